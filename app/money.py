"""Money: currency exponents, parsing what people type, rounding and formatting.

Amounts are always integers in the currency's minor unit (VND has none, USD has cents).
"""
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import get_currency_precision

from app.money_text import money_text

CURRENCIES = ("VND", "USD", "EUR", "GBP", "JPY", "SGD", "THB", "AUD", "KRW", "CNY")
# How Stripe writes amounts (docs.stripe.com/currencies): in the currency's smallest unit with two
# decimals, except these zero-decimal currencies (VND and JPY are sent as whole dong and yen, as we
# keep them too) and three-decimal ones. ISK is zero-decimal for us (ISO) but written with two
# decimals by Stripe; the conversions below scale such cases and refuse what does not divide.
STRIPE_ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
STRIPE_THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())


class MoneyInputError(ValueError):
    """What someone typed is not an amount of this currency."""


def exponent(currency: str) -> int:
    return get_currency_precision(currency.upper())


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_of(amount: int, rate: Decimal) -> int:
    """`rate` percent of `amount`, rounded half-up to a whole minor unit."""
    return round_half_up(Decimal(amount) * Decimal(rate) / Decimal(100))


def to_minor(value: Decimal, currency: str) -> int:
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise MoneyInputError("too many decimals")
    return int(scaled)


def from_minor(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-exponent(currency))


_ALLOWED = re.compile(r"^[0-9][0-9.,\s]*$")


def parse_money(text: str, currency: str) -> int:
    """Turn "50.000", "50,000", "1.234,56", "1,234.56" or "1.5" into minor units.

    With both separators present the last one is the decimal mark. With one kind only, a group
    of exactly three digits after it (or several occurrences) means thousands; otherwise it is the
    decimal mark, which a currency without decimals refuses.
    """
    raw = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    for symbol in ("₫", "$", "€", "£", "¥", "đ", currency.upper()):
        raw = raw.replace(symbol, "")
    raw = raw.strip()
    if not raw or not _ALLOWED.match(raw):
        raise MoneyInputError("not a number")
    has_dot, has_comma = "." in raw, "," in raw
    if has_dot and has_comma:
        decimal_mark = "." if raw.rfind(".") > raw.rfind(",") else ","
        thousands = "," if decimal_mark == "." else "."
        integer, _, fraction = raw.rpartition(decimal_mark)
        _check_groups(integer, thousands)
        normal = integer.replace(thousands, "") + "." + fraction
    elif has_dot or has_comma:
        mark = "." if has_dot else ","
        parts = raw.split(mark)
        # "0.500" is half a unit, never five hundred: a leading zero cannot start a thousands group.
        if len(parts) > 2 or (len(parts[-1]) == 3 and not parts[0].startswith("0")):
            _check_groups(raw, mark)
            normal = raw.replace(mark, "")
        else:
            if exponent(currency) == 0:
                raise MoneyInputError("no decimals")
            normal = parts[0] + "." + parts[1]
    else:
        normal = raw
    try:
        value = Decimal(normal)
    except InvalidOperation as exc:
        raise MoneyInputError("not a number") from exc
    return to_minor(value, currency)


def _check_groups(integer: str, sep: str) -> None:
    groups = integer.split(sep)
    if (not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])
            or (len(groups) > 1 and groups[0].startswith("0"))):
        raise MoneyInputError("misplaced thousands separator")


def _stripe_exponent(currency: str) -> int:
    return 0 if currency in STRIPE_ZERO_DECIMAL else 3 if currency in STRIPE_THREE_DECIMAL else 2


def from_stripe_units(amount, currency: str) -> int | None:
    """Stripe's integer `amount` of `currency` in our minor units; None if it is not a usable amount."""
    currency = (currency or "").upper()
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0 or len(currency) != 3:
        return None
    try:
        ours = exponent(currency)
    except Exception:
        return None  # a code Babel does not know
    theirs = _stripe_exponent(currency)
    if ours >= theirs:
        return amount * 10 ** (ours - theirs)
    step = 10 ** (theirs - ours)
    return amount // step if amount % step == 0 else None


def to_stripe_units(amount: int, currency: str) -> int:
    """Our minor units of `currency` as the integer Stripe expects (50000 VND → 50000, 12.34 USD → 1234)."""
    currency = currency.upper()
    ours, theirs = exponent(currency), _stripe_exponent(currency)
    if theirs >= ours:
        return amount * 10 ** (theirs - ours)
    step = 10 ** (ours - theirs)
    if amount % step:
        raise MoneyInputError(f"{amount} minor units of {currency} cannot be written in Stripe's units")
    return amount // step


def format_money(amount: int | None, currency: str, locale=None) -> str:
    """Format minor units for people, e.g. 50000 VND -> "50.000 ₫" in Vietnamese."""
    if amount is None:
        return ""
    if locale is None:
        from flask_babel import get_locale
        # Babel's Locale itself, not its name: parsing the name again costs more than the formatting.
        locale = get_locale() or "en"
    return money_text(amount, currency.upper(), locale)


def format_for_input(amount: int | None, currency: str) -> str:
    """Plain digits with a dot decimal mark, for pre-filling a form field."""
    if amount is None:
        return ""
    value = from_minor(amount, currency)
    return f"{value:f}"
