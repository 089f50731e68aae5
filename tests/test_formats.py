"""Dates, times, numbers, percentages, the time zone and audit values follow the reader's language."""
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import render_template_string
from flask_babel import force_locale

from app import audit_labels, formats
from app.labels import label


def _both(function, *args, **kwargs):
    result = {}
    for locale in ("vi", "en"):
        with force_locale(locale):
            result[locale] = function(*args, **kwargs).replace("\u202f", " ").replace("\xa0", " ")
    return result


def test_days_are_day_month_year_in_vietnamese(app):
    assert _both(formats.format_day, date(2026, 12, 5)) == {"vi": "05/12/2026", "en": "Dec 5, 2026"}


def test_moments_are_in_the_display_zone_to_the_minute(app):
    # 07:30:15 UTC is 14:30 in Vietnam; no seconds.
    assert _both(formats.format_moment, datetime(2026, 12, 5, 7, 30, 15)) == {
        "vi": "05/12/2026 14:30", "en": "Dec 5, 2026, 2:30 PM"}
    assert _both(formats.format_day, datetime(2026, 12, 4, 20, 0)) == {"vi": "05/12/2026", "en": "Dec 5, 2026"}


def test_template_filters_use_the_same_forms(app):
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        html = render_template_string("{{ day|date }} {{ moment|datetime }} {{ moment|datetime('short') }} "
                                      "{{ rate|rate }} {{ 1234567|number }}",
                                      day=date(2026, 1, 2), moment=datetime(2026, 1, 2, 3, 4, 5), rate=Decimal("12.50"))
    assert html == "02/01/2026 02/01/2026 10:04 02/01/2026 10:04 12,5% 1.234.567"


def test_percentages_and_numbers(app):
    assert _both(formats.format_rate, Decimal("7.50")) == {"vi": "7,5%", "en": "7.5%"}
    assert _both(formats.format_rate, 10, 1) == {"vi": "10,0%", "en": "10.0%"}
    assert _both(formats.format_number, 50000) == {"vi": "50.000", "en": "50,000"}


def test_the_time_zone_is_named_not_given_as_its_id(app):
    assert _both(formats.zone_label, "Asia/Ho_Chi_Minh") == {"vi": "Việt Nam (GMT+7)", "en": "Vietnam (GMT+7)"}
    assert _both(formats.zone_label, "Asia/Kolkata")["en"] == "India (GMT+5:30)"
    assert "New York" in _both(formats.zone_label, "America/New_York")["en"]


def test_audit_values_read_as_money_labels_and_dates(app):
    with force_locale("vi"):
        assert audit_labels.action_label("payout.requested") == "Gửi yêu cầu rút tiền"
        assert audit_labels.action_label("something.new") == "something.new"
        assert audit_labels.action_group_label("payout.") == "Yêu cầu rút tiền"
        assert audit_labels.field_label("refunded_amount") == "Số tiền đã hoàn"
        assert audit_labels.field_value("amount", 1_250_000, "VND").replace("\xa0", " ") == "1.250.000 ₫"
        assert audit_labels.field_value("commission", 1999, "USD").replace("\xa0", " ") == "19,99 US$"
        assert audit_labels.field_value("status", "requested") == "Chờ duyệt"
        assert audit_labels.field_value("paid_on", "2026-12-04") == "04/12/2026"
        assert audit_labels.field_value("decided_at", "2026-12-04T01:02:03") == "04/12/2026 08:02"
        assert audit_labels.field_value("auto_approve", True) == "Có"
        assert audit_labels.field_value("flags", ["self_referral"]) == "Tự mua qua link của mình"
        assert audit_labels.field_value("reason", None) == "—"
        assert audit_labels.field_value("ledger_entry", 12345) == "12345"


def test_a_days_text_follows_the_language_and_the_display_zone_on_every_call(app):
    # The text of a day is kept once written: the same day asked in turn in both languages, and a
    # moment on either side of midnight in the display zone (UTC+7), still read right each time.
    for _ in range(2):
        assert _both(formats.format_day, date(2026, 3, 1)) == {"vi": "01/03/2026", "en": "Mar 1, 2026"}
        assert _both(formats.format_day, datetime(2026, 2, 28, 16, 59)) == {"vi": "28/02/2026", "en": "Feb 28, 2026"}
        assert _both(formats.format_day, datetime(2026, 2, 28, 17, 0)) == {"vi": "01/03/2026", "en": "Mar 1, 2026"}
        assert _both(formats.format_day, datetime(2026, 2, 28, 17, 0, tzinfo=UTC)) == {"vi": "01/03/2026",
                                                                                       "en": "Mar 1, 2026"}
    assert formats.format_day(None) == ""


def test_labels_follow_the_language_on_every_call(app):
    for _ in range(2):
        assert _both(label, "approved") == {"vi": "Đã duyệt", "en": "Approved"}
    assert label("no_such_code") == "no_such_code" and label(None) == ""
