"""Sign-in throttling that strangers cannot turn against an account's owner.

Failures are counted over a sliding window (SIGNIN_WINDOW_SECONDS) in three ways:
- per address: an address that failed SIGNIN_MAX_PER_IP times (on any accounts) is refused;
- per account and address: an address that failed SIGNIN_MAX_PER_ACCOUNT_IP times on one account is
  refused for that account;
- per account, from anywhere: once the account has SIGNIN_SLOW_AFTER failures, an address that has
  failed on it must wait before its next try, 1 s doubling with every further failure of the account
  up to SIGNIN_MAX_DELAY_SECONDS. This only slows guessing down: an address with no failure on the
  account (its owner, as a rule) is never refused because of what others did.
A refused attempt is not checked and not counted. When the account's failures reach
SIGNIN_ALERT_AFTER, its owner is emailed once per window.
"""
import math
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from loguru import logger
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.users import SignInFailure, User
from app.services.audit import trail
from app.services.common.errors import ServiceError
from app.services.common.mail import absolute_url, in_language_of, send_email


class TooManyAttempts(ServiceError):
    """Too many failed sign-ins; try again later."""

    def __init__(self, retry_after: int):
        super().__init__()
        self.retry_after = max(1, int(retry_after))


def _window(now: datetime) -> datetime:
    return now - timedelta(seconds=current_app.config["SIGNIN_WINDOW_SECONDS"])


def _failures(since: datetime, **where):
    query = select(func.count(), func.min(SignInFailure.created_at), func.max(SignInFailure.created_at)) \
        .where(SignInFailure.created_at >= since)
    for column, value in where.items():
        query = query.where(getattr(SignInFailure, column) == value)
    count, first, last = db.session.execute(query).one()
    return int(count), first, last


def slow_down_seconds(account_failures: int) -> int:
    """How long an address that failed on the account waits between tries, given the account's failures."""
    over = account_failures - current_app.config["SIGNIN_SLOW_AFTER"]
    if over < 0:
        return 0
    return min(2 ** min(over, 30), current_app.config["SIGNIN_MAX_DELAY_SECONDS"])


def check(email: str, ip: str, now: datetime) -> None:
    """Raise TooManyAttempts when this address may not try this account now."""
    c = current_app.config
    since, window = _window(now), c["SIGNIN_WINDOW_SECONDS"]
    count, first, _last = _failures(since, ip=ip)
    if count >= c["SIGNIN_MAX_PER_IP"]:
        raise TooManyAttempts(_seconds_until(first + timedelta(seconds=window), now))
    pair, pair_first, pair_last = _failures(since, email=email, ip=ip)
    if pair >= c["SIGNIN_MAX_PER_ACCOUNT_IP"]:
        raise TooManyAttempts(_seconds_until(pair_first + timedelta(seconds=window), now))
    if pair:
        account, _first, _latest = _failures(since, email=email)
        wait = slow_down_seconds(account)
        if wait and pair_last + timedelta(seconds=wait) > now:
            raise TooManyAttempts(_seconds_until(pair_last + timedelta(seconds=wait), now))


def _seconds_until(moment: datetime, now: datetime) -> int:
    return math.ceil((moment - now).total_seconds())


def record_failure(email: str, ip: str, now: datetime) -> None:
    db.session.add(SignInFailure(email=email, ip=ip, created_at=now))
    db.session.commit()
    _alert_owner(email, now)


def record_success(email: str, ip: str) -> None:
    """Forget this address's own failures on the account; others' stay counted (their guessing stays slow)."""
    db.session.execute(delete(SignInFailure).where(SignInFailure.email == email, SignInFailure.ip == ip))


def _alert_owner(email: str, now: datetime) -> None:
    c = current_app.config
    since = _window(now)
    count, _first, _last = _failures(since, email=email)
    if count < c["SIGNIN_ALERT_AFTER"]:
        return
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or user.is_disabled:
        return
    already = db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "user.sign_in_alert", AuditEvent.object_type == User.__tablename__,
        AuditEvent.object_id == str(user.id), AuditEvent.created_at >= since).limit(1))
    if already is not None:
        return
    addresses = db.session.scalar(select(func.count(func.distinct(SignInFailure.ip))).where(
        SignInFailure.email == email, SignInFailure.created_at >= since))
    trail.record("user.sign_in_alert", user, actor_id=None, after={"failures": count, "addresses": addresses})
    db.session.commit()
    with in_language_of(user):
        send_email(user.email, _("Failed sign-ins to your account"), _(
            "There were %(count)d failed attempts to sign in to your account in the last %(minutes)d minutes, "
            "from %(addresses)d addresses. None of them got in, and each address that failed now has to wait "
            "longer before it may try again.\n\nIf it was not you, there is nothing you need to do. A long "
            "password that you use nowhere else keeps your account safe; you can change it here:\n\n%(link)s",
            count=count, minutes=max(1, c["SIGNIN_WINDOW_SECONDS"] // 60), addresses=addresses,
            link=absolute_url("settings.index") + "#password"))
    logger.warning("sign-in alert sent user={} failures={} addresses={}", user.id, count, addresses)
