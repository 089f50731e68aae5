"""Summary emails: a weekly and a monthly report each user may opt in to.

A report covers the last whole week (Monday to Sunday) or calendar month in the display time zone:
the reader's funnel, their top five and the change against the period before, in their language.
The scheduled job finds who is due and queues one email job each on the `emails` queue; that job
first claims the period in the database (so a second run, or a second job, sends nothing), then
builds and delivers the message, and gives the claim back if delivery fails so a retry sends it.
The preview page builds the message with the same function.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, render_template
from loguru import logger
from sqlalchemy import or_, select, update

from app.extensions import db
from app.jobs import queue
from app.models.analytics import ReportSubscription
from app.models.common import utcnow
from app.models.users import User
from app.services.analytics import sql
from app.services.analytics.funnel import LABELS, changes, funnel
from app.services.analytics.periods import Period
from app.services.analytics.rankings import ranking
from app.services.analytics.reader import Reader
from app.services.analytics.scope import check_filters, scope_for
from app.services.common import mail

KINDS = ("weekly", "monthly")
TOP = 5


@dataclass
class Report:
    subject: str
    body: str
    period: Period


def subscription(user_id: int) -> ReportSubscription:
    found = db.session.get(ReportSubscription, user_id)
    return found or ReportSubscription(user_id=user_id, weekly=False, monthly=False)


def subscribe(user_id: int, weekly: bool, monthly: bool) -> ReportSubscription:
    """Save which reports the user wants. A report newly asked for starts with the next period."""
    found = db.session.get(ReportSubscription, user_id)
    if found is None:
        found = ReportSubscription(user_id=user_id, weekly=False, monthly=False)
        db.session.add(found)
    today = sql.local_day_of(utcnow(), _zone())
    if weekly and not found.weekly:
        found.weekly_sent_for = period_for("weekly", today).start
    if monthly and not found.monthly:
        found.monthly_sent_for = period_for("monthly", today).start
    found.weekly, found.monthly = weekly, monthly
    db.session.commit()
    logger.info("report subscription user={} weekly={} monthly={}", user_id, weekly, monthly)
    return found


def _zone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def period_for(kind: str, today: date) -> Period:
    """The last whole week (Monday–Sunday) or month before `today`."""
    if kind == "weekly":
        end = today - timedelta(days=today.weekday() + 1)
        return Period(end - timedelta(days=6), end)
    end = today.replace(day=1) - timedelta(days=1)
    return Period(end.replace(day=1), end)


def period_starting(kind: str, start: date) -> Period:
    """The week or month that begins on `start`."""
    if kind == "weekly":
        return Period(start, start + timedelta(days=6))
    after = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return Period(start, after - timedelta(days=1))


def build(user: User, kind: str, period: Period) -> Report:
    """The report `user` gets for `period` (a week or a month), exactly as it is sent."""
    zone = _zone()
    scope = scope_for(user)
    filters, _campaigns, _refused = check_filters(scope, {}, current_app.config["DEFAULT_CURRENCY"])
    with mail.in_language_of(user), Reader(scope, filters, zone) as reader:
        current = funnel(reader, period, with_robots=False)
        before = funnel(reader, period.previous(), with_robots=False)
        dimension = "link" if user.role == "affiliate" else "affiliate"
        top = ranking(reader, period, dimension, "commission", limit=TOP)
        subject, body = render_template("analytics/email/report.txt", user=user, kind=kind, period=period,
                                        funnel=current, changes=changes(current, before), top=top,
                                        dimension=dimension, funnel_labels=LABELS,
                                        page_url=mail.absolute_url("analytics.index"),
                                        settings_url=mail.absolute_url("analytics.reports_settings")).split("\n", 1)
    return Report(subject.strip(), body.strip() + "\n", period)


def due(today: date) -> list[tuple[int, str, date]]:
    """(user id, kind, period start) of every report that should go out now."""
    found = []
    for kind in KINDS:
        start = period_for(kind, today).start
        flag, sent = getattr(ReportSubscription, kind), getattr(ReportSubscription, f"{kind}_sent_for")
        found += [(user_id, kind, start) for user_id in db.session.scalars(
            select(ReportSubscription.user_id).join(User, User.id == ReportSubscription.user_id)
            .where(flag.is_(True), User.is_disabled.is_(False), or_(sent.is_(None), sent < start))
            .order_by(ReportSubscription.user_id))]
    return found


def queue_due() -> int:
    """Queue an email job for every report due (the scheduled job; safe to run twice)."""
    today = sql.local_day_of(utcnow(), _zone())
    reports = due(today)
    for user_id, kind, start in reports:
        queue.enqueue("app.jobs.analytics.send_report_job", user_id, kind, start.isoformat(), queue="emails")
    return len(reports)


def send(user_id: int, kind: str, period_start: date) -> bool:
    """Send one report unless it was already sent for this period; True if this call sent it."""
    column = getattr(ReportSubscription, f"{kind}_sent_for")
    before = db.session.scalar(select(column).where(ReportSubscription.user_id == user_id))
    claimed = db.session.execute(
        update(ReportSubscription).where(ReportSubscription.user_id == user_id,
                                         getattr(ReportSubscription, kind).is_(True),
                                         or_(column.is_(None), column < period_start))
        .values({column: period_start})).rowcount
    db.session.commit()
    if not claimed:
        return False
    user = db.session.get(User, user_id)
    try:
        report = build(user, kind, period_starting(kind, period_start))
        mail.deliver(user.email, report.subject, report.body)
    except Exception:
        # Give the period back, so the queue's retry (or the next scheduled run) sends it.
        db.session.rollback()
        db.session.execute(update(ReportSubscription).where(ReportSubscription.user_id == user_id)
                           .values({column: before}))
        db.session.commit()
        raise
    logger.info("{} report sent to user {} for {}", kind, user_id, period_start)
    return True
