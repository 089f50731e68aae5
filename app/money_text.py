"""Whole minor units as text the way Babel's `format_currency` writes them, without its per-figure work.

A balance or statement page shows hundreds of amounts; Babel turns each into a Decimal, looks the
currency's precision, symbol and name up again and runs a regular expression over the result (~25 µs
a figure). For one language and currency all of that is the same every time, so it is read once into
a `Shape` (the sign's prefix and suffix, the separators, the grouping) and an amount is then only its
digits grouped. A shape is trusted only after it wrote a set of probe amounts exactly as Babel does;
patterns it does not cover (scientific, significant digits, the currency's long name, quoted text)
get no shape and keep going through Babel.
"""
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision, get_currency_symbol

PROBES = (0, 1, -1, 5, 99, 100, 1_000, -1_234, 12_345, 999_999, 1_000_000, -98_765_432, 123_456_789_012)


@dataclass(frozen=True)
class Shape:
    places: int  # digits after the decimal mark (the currency's own precision)
    min_whole: int  # the pattern's minimum integer digits
    grouping: tuple[int, int]  # the first group's size, then the others'
    group: str
    decimal: str
    prefix: tuple[str, str]  # (positive, negative)
    suffix: tuple[str, str]

    def write(self, amount: int) -> str:
        digits = str(abs(amount))
        if self.places:
            digits = digits.rjust(self.places + 1, "0")
            whole, fraction = digits[:-self.places], self.decimal + digits[-self.places:]
        else:
            whole, fraction = digits, ""
        whole = whole.rjust(self.min_whole, "0")
        size, grouped = self.grouping[0], ""
        while len(whole) > size:
            grouped = self.group + whole[-size:] + grouped
            whole = whole[:-size]
            size = self.grouping[1]
        negative = amount < 0
        return self.prefix[negative] + whole + grouped + fraction + self.suffix[negative]


def _affix(text: str, currency: str, locale: Locale) -> str | None:
    if "'" in text or "¤¤¤" in text:
        return None
    return text.replace("¤¤", currency).replace("¤", get_currency_symbol(currency, locale))


@lru_cache(maxsize=512)
def shape_of(currency: str, locale: Locale) -> Shape | None:
    """How `currency` is written in `locale`, or None where only Babel itself can say."""
    try:
        pattern = locale.currency_formats["standard"]
        symbols = locale.number_symbols["latn"]
        places = get_currency_precision(currency)
    except (KeyError, AttributeError):
        return None
    if pattern.exp_prec or "@" in pattern.pattern or pattern.scale or not pattern.number_pattern:
        return None
    affixes = [_affix(text, currency, locale) for text in (*pattern.prefix, *pattern.suffix)]
    group, decimal = symbols.get("group", ","), symbols.get("decimal", ".")
    if None in affixes or "'" in group + decimal:
        return None
    shape = Shape(places=places, min_whole=pattern.int_prec[0], grouping=tuple(pattern.grouping[:2]),
                  group=group, decimal=decimal, prefix=(affixes[0], affixes[1]), suffix=(affixes[2], affixes[3]))
    for amount in PROBES:
        if shape.write(amount) != _babel(amount, currency, locale):
            return None
    return shape


def _babel(amount, currency: str, locale) -> str:
    value = Decimal(amount).scaleb(-get_currency_precision(currency))
    return format_currency(value, currency, locale=locale, currency_digits=True)


def money_text(amount: int, currency: str, locale) -> str:
    """`amount` minor units of `currency` (upper case) for `locale` (a Babel Locale, or its name)."""
    if type(amount) is int and isinstance(locale, Locale):
        shape = shape_of(currency, locale)
        if shape is not None:
            return shape.write(amount)
    return _babel(amount, currency, locale)
