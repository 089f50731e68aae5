"""Summary emails: who is due, sent once per period in the reader's language, exactly as previewed."""
from datetime import date, datetime, time, timedelta

import pytest

from app.extensions import db
from app.jobs.analytics import queue_reports_job, send_report_job
from app.models.analytics import ReportSubscription
from app.models.common import utcnow
from app.services.analytics import reports, rollup
from app.services.analytics.periods import Period
from app.services.analytics.sql import local_day_of
from app.services.common import mail
from tests import factories
from tests.analytics_helpers import ZONE


def test_periods_are_the_last_whole_week_and_month():
    assert reports.period_for("weekly", date(2026, 3, 11)) == Period(date(2026, 3, 2), date(2026, 3, 8))
    assert reports.period_for("weekly", date(2026, 3, 9)) == Period(date(2026, 3, 2), date(2026, 3, 8))
    assert reports.period_for("monthly", date(2026, 3, 1)) == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert reports.period_starting("monthly", date(2024, 2, 1)) == Period(date(2024, 2, 1), date(2024, 2, 29))


def _today() -> date:
    return local_day_of(utcnow(), ZONE)


def _subscriber(role="merchant", **kwargs):
    user = factories.make_user(role, **kwargs)
    reports.subscribe(user.id, weekly=True, monthly=False)
    # Subscribed weeks ago: last week's report is due.
    db.session.get(ReportSubscription, user.id).weekly_sent_for = date(2000, 1, 3)
    db.session.commit()
    return user


def test_a_new_subscription_starts_with_the_next_period(app):
    user = factories.make_user("affiliate")
    reports.subscribe(user.id, weekly=True, monthly=True)
    assert reports.due(_today()) == []


def test_the_job_sends_each_report_once(app, outbox):
    user = _subscriber()
    assert queue_reports_job() == 1  # without a worker queue the email job runs at once
    assert queue_reports_job() == 0
    assert [message["to"] for message in outbox] == [user.email]
    period = db.session.get(ReportSubscription, user.id).weekly_sent_for
    assert send_report_job(user.id, "weekly", period.isoformat()) is False
    assert len(outbox) == 1


def test_the_preview_is_exactly_the_email(app, outbox):
    merchant = _subscriber()
    campaign = factories.make_campaign(merchant, name="Tea club")
    link = factories.make_link(campaign)
    period = reports.period_for("weekly", _today())
    click = factories.make_click(link, created_at=datetime.combine(period.start, time(5)))
    factories.make_conversion(click, amount=3_000_000, created_at=click.created_at + timedelta(hours=1))
    rollup.run()
    preview = reports.build(merchant, "weekly", period)
    queue_reports_job()
    (message,) = outbox
    assert (message["subject"], message["body"]) == (preview.subject, preview.body)
    assert "₫300,000" in message["body"] and "Hello" in message["body"]


def test_reports_are_written_in_the_readers_language(app, outbox):
    _subscriber(locale="vi")
    queue_reports_job()
    (message,) = outbox
    assert message["subject"].startswith("Tuần của bạn") and "Chào" in message["body"]


def test_disabled_users_get_no_report(app, outbox):
    user = _subscriber()
    user.is_disabled = True
    db.session.commit()
    assert queue_reports_job() == 0 and outbox == []


def test_a_failed_delivery_gives_the_period_back(app, outbox, monkeypatch):
    user = _subscriber()
    period = reports.period_for("weekly", _today())

    def refuse(*_args):
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr(mail, "deliver", refuse)
    with pytest.raises(OSError):
        send_report_job(user.id, "weekly", period.start.isoformat())
    db.session.expire_all()
    assert db.session.get(ReportSubscription, user.id).weekly_sent_for == date(2000, 1, 3)
    monkeypatch.undo()
    assert send_report_job(user.id, "weekly", period.start.isoformat()) is True
