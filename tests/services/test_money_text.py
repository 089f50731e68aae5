"""Amounts written by the money shape read once per language and currency are exactly Babel's."""
import random
from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import format_currency
from flask_babel import force_locale

from app.money import CURRENCIES, format_money, from_minor
from app.money_text import money_text, shape_of

LOCALES = ("vi", "en", "en_US", "de", "de_CH", "fr", "fr_CH", "ja", "ar", "hi", "fa", "he", "sv", "pt_BR", "nl", "ru")


def _babel(amount: int, currency: str, locale) -> str:
    return format_currency(from_minor(amount, currency), currency, locale=locale, currency_digits=True)


@pytest.mark.parametrize("name", LOCALES)
def test_every_currency_in_every_language_reads_as_babel_writes_it(name):
    locale, draw = Locale.parse(name), random.Random(name)
    amounts = [0, 1, -1, 9, 10, -100, 999, 1000, 123_456_789, -1_000_000_000_000]
    amounts += [draw.randint(-10 ** draw.randint(1, 14), 10 ** draw.randint(1, 14)) for _ in range(200)]
    for currency in (*CURRENCIES, "BHD", "ISK", "CHF", "INR"):
        for amount in amounts:
            assert money_text(amount, currency, locale) == _babel(amount, currency, locale), (name, currency, amount)


def test_a_shape_is_read_once_per_language_and_currency():
    shape_of.cache_clear()
    for amount in range(50):
        money_text(amount * 1000, "VND", Locale.parse("vi"))
    assert shape_of.cache_info().misses == 1


def test_what_the_shape_does_not_cover_goes_to_babel():
    # A locale given by its name, an amount that is not a whole number of minor units: Babel as before.
    assert money_text(50_000, "VND", "vi") == _babel(50_000, "VND", "vi")
    assert money_text(Decimal("1234.5"), "USD", Locale.parse("en")) == format_currency(
        Decimal("12.345"), "USD", locale="en", currency_digits=True)
    assert money_text(True, "USD", Locale.parse("en")) == _babel(True, "USD", "en")


def test_format_money_in_a_request_uses_the_readers_language(app):
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        assert format_money(-1_234_500, "vnd").replace("\xa0", " ") == "-1.234.500 ₫"
        with force_locale("en"):
            assert format_money(123_456, "USD") == "$1,234.56"
