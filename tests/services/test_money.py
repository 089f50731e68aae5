"""Money: parsing what people type, commission rounding and formatting per currency and language."""
from decimal import Decimal

import pytest

from app.money import (
    MoneyInputError,
    exponent,
    format_for_input,
    format_money,
    from_minor,
    parse_money,
    percent_of,
)


@pytest.mark.parametrize(("text", "currency", "minor"), [
    ("50.000", "VND", 50000),
    ("50,000", "VND", 50000),
    ("50000", "VND", 50000),
    ("1.000.000", "VND", 1000000),
    (" 1 000 000 ₫", "VND", 1000000),
    ("50.000đ", "VND", 50000),
    ("1.5", "USD", 150),
    ("1,5", "EUR", 150),
    ("12", "USD", 1200),
    ("0.50", "USD", 50),
    ("0.500", "USD", 50),
    ("1,234.56", "USD", 123456),
    ("1.234,56", "EUR", 123456),
    ("$1,234.56", "USD", 123456),
    ("1,234", "USD", 123400),
    ("1.234", "USD", 123400),   # one separator before three digits groups thousands
    ("1500", "JPY", 1500),
    ("1,500", "JPY", 1500),
])
def test_parse_money_accepts_common_formats(text, currency, minor):
    assert parse_money(text, currency) == minor


@pytest.mark.parametrize(("text", "currency"), [
    ("1.5", "VND"),          # VND has no decimals
    ("1,5", "VND"),
    ("1.5", "JPY"),
    ("0.125", "USD"),        # three decimals on a two-decimal currency
    ("0,125", "EUR"),
    ("abc", "USD"),
    ("", "VND"),
    (None, "VND"),
    ("   ", "VND"),
    ("-5", "USD"),
    ("-50.000", "VND"),
    ("1e5", "USD"),
    ("NaN", "USD"),
    ("1.2.3", "USD"),
    ("12,34,567", "VND"),    # Indian grouping is not a thousands grouping
    ("1.234.5", "VND"),
    ("1,234.567", "USD"),
    ("1.00.000,5", "EUR"),
    (".5", "USD"),
])
def test_parse_money_refuses_garbage_negatives_and_extra_decimals(text, currency):
    with pytest.raises(MoneyInputError):
        parse_money(text, currency)


def test_exponents():
    assert (exponent("VND"), exponent("USD"), exponent("JPY"), exponent("eur")) == (0, 2, 0, 2)
    assert from_minor(150, "USD") == Decimal("1.50")
    assert from_minor(50000, "VND") == Decimal("50000")


@pytest.mark.parametrize(("amount", "rate", "expected"), [
    (5, "10", 1),            # 0.5 rounds up
    (15, "10", 2),           # 1.5 rounds up
    (25, "10", 3),           # 2.5 rounds up (not to even)
    (14, "10", 1),           # 1.4 rounds down
    (1_234_567, "10", 123_457),
    (999, "12.5", 125),      # 124.875
    (100, "0", 0),
    (100, "100", 100),
    (33, "33.33", 11),       # 10.9989
])
def test_percent_of_rounds_half_up(amount, rate, expected):
    assert percent_of(amount, Decimal(rate)) == expected


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_vnd_is_shown_without_decimals(locale):
    text = format_money(50000, "VND", locale)
    assert "50" in text and "000" in text
    assert "₫" in text
    assert not any(text.endswith(tail) for tail in (",00", ".00"))


def test_vnd_grouping_follows_the_language():
    assert format_money(50000, "VND", "vi").replace("\xa0", " ") == "50.000 ₫"
    assert format_money(50000, "VND", "en") == "₫50,000"


def test_two_decimal_and_zero_decimal_currencies():
    assert format_money(150, "USD", "en") == "$1.50"
    assert format_money(123456, "USD", "en") == "$1,234.56"
    assert format_money(1500, "JPY", "en") == "¥1,500"
    assert format_money(None, "USD", "en") == ""


def test_format_uses_the_request_locale(app):
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        assert format_money(50000, "VND").replace("\xa0", " ") == "50.000 ₫"


def test_format_for_input_round_trips():
    for amount, currency in [(150, "USD"), (50000, "VND"), (1500, "JPY"), (123456, "EUR")]:
        assert parse_money(format_for_input(amount, currency), currency) == amount
    assert format_for_input(None, "USD") == ""
