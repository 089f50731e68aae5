"""Recording what Stripe answered for a payout request, through the payout state machine's doors.

Each outcome is one transaction: the request is re-read under its row lock, moved (processing → paid,
or processing → failed with the amount released), the run's item and heartbeat are updated, and it
commits; emails go after the commit. Recording is idempotent: a request already paid with that
transfer is left alone, so the run, a later run and a `transfer.created` webhook can all report the
same transfer safely.
"""
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from loguru import logger
from sqlalchemy import or_, select, update

from app.extensions import db
from app.models.common import utcnow
from app.models.money import PayoutRequest
from app.models.stripe_connect import StripeAccount, StripePayoutItem, StripePayoutRun
from app.services.audit import trail
from app.services.payouts import mail as payout_mail
from app.services.payouts import states
from app.services.stripe_connect import mail, reversals, transfers
from app.services.stripe_connect.errors import REASONS

MAX_CONSECUTIVE_FAILURES = 3
REASON_MAX = 1000
HEARTBEAT_SECONDS = 2


@dataclass
class Recorded:
    """What changed, for the emails sent after the commit."""

    request: PayoutRequest | None
    newly_paid: bool = False
    newly_failed: bool = False
    paused: bool = False
    returned: int = 0
    problem: str | None = None


def paid_on_today():
    """Today's date where the admins are (the day they would write on a payment record)."""
    return datetime.now(UTC).astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def adopt(request: PayoutRequest, transfer: dict, *, after_refusals: bool = True) -> Recorded:
    """Record `transfer` as the locked request's payment (no commit). A transfer that does not match is refused.

    `after_refusals` false says the affiliate's account has no refusals to reset (known from the claim).
    """
    result = Recorded(request)
    if request.status in ("paid", "reversed") and request.stripe_transfer_id == transfer.get("id"):
        result.returned = reversals.apply(request, transfer)
        return result
    problem = transfers.mismatch(request, transfer)
    if request.status != "processing" or problem:
        result.problem = problem or f"the request is {request.status}, not processing"
        logger.error("payout request {}: transfer {} not recorded: {}", request.id, transfer.get("id"), result.problem)
        return result
    states.apply_transition(request, "paid", None, changes={
        "paid_method": "stripe", "transaction_id": transfer["id"], "stripe_transfer_id": transfer["id"],
        "paid_on": paid_on_today()})
    result.newly_paid = True
    if after_refusals:  # a payout that went through ends a series of refusals (and a pause)
        db.session.execute(update(StripeAccount).where(
            StripeAccount.user_id == request.affiliate_id,
            or_(StripeAccount.consecutive_failures != 0, StripeAccount.paused_at.is_not(None)))
            .values(consecutive_failures=0, paused_at=None))
    result.returned = reversals.apply(request, transfer)
    return result


def _lock_account(user_id: int) -> StripeAccount | None:
    return db.session.scalar(select(StripeAccount).where(StripeAccount.user_id == user_id)
                             .with_for_update().execution_options(populate_existing=True))


_last_beat: dict[int, float] = {}


def _finish_item(claimed, outcome: str, *, transfer_id=None, code=None, message=None) -> None:
    """The run's item says what happened; the run's heartbeat is renewed (at most every few seconds)."""
    now = utcnow()
    message = str(message)[:REASON_MAX] if message else None
    db.session.execute(update(StripePayoutItem).where(StripePayoutItem.id == claimed.item_id).values(
        outcome=outcome, transfer_id=transfer_id, finished_at=now, error_code=code, error_message=message))
    if time.monotonic() - _last_beat.get(claimed.run_id, 0) >= HEARTBEAT_SECONDS:
        db.session.execute(update(StripePayoutRun).where(StripePayoutRun.id == claimed.run_id)
                           .values(heartbeat_at=now))
        _last_beat[claimed.run_id] = time.monotonic()


def _settled(work) -> Recorded:
    """`work()` in one transaction: committed, then its emails; rolled back (locks released) if it fails."""
    try:
        result = work()
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    after_commit(result)
    return result


def record_sent(claimed, transfer: dict) -> Recorded:
    """The claimed request's transfer exists: the request is paid with it (processing → paid); commits."""
    def work() -> Recorded:
        if transfer.get("amount_reversed"):  # adopting it releases money: lock as every release does
            states.lock_affiliate(claimed.affiliate_id)
        request = states.lock(claimed.request_id)
        result = adopt(request, transfer, after_refusals=claimed.after_refusals)
        if result.problem:
            _finish_item(claimed, "retry_later", transfer_id=transfer.get("id"), code="transfer_mismatch",
                         message=result.problem)
        else:
            _finish_item(claimed, "sent", transfer_id=transfer["id"])
        _keep_for_mail(request)
        return result

    return _settled(work)


def _keep_for_mail(request: PayoutRequest) -> None:
    """Flush, load the affiliate and detach both, so the emails after the commit read them without two more
    queries (a commit expires what the session holds). Nothing is changed on them afterwards."""
    db.session.flush()
    affiliate = request.affiliate
    db.session.expunge(request)
    db.session.expunge(affiliate)


def record_failed(claimed, code: str, message: str | None) -> Recorded:
    """Stripe refused the transfer: the request fails, its amount goes back to the balance; commits."""
    reason = f"{message or REASONS.get(code, code)} ({code})"[:REASON_MAX]
    affiliate_id = claimed.affiliate_id

    def work() -> Recorded:
        states.lock_affiliate(affiliate_id)
        request = states.lock(claimed.request_id)
        result = Recorded(request)
        if request.status == "processing":
            states.apply_transition(request, "failed", None, changes={"failed_reason": reason})
            result.newly_failed = True
            result.paused = _count_refusal(affiliate_id)
        _finish_item(claimed, "failed", code=code, message=message)
        return result

    return _settled(work)


def _count_refusal(affiliate_id: int) -> bool:
    """One more refusal in a row for the affiliate; True when it makes the daily run skip them from now on."""
    account = _lock_account(affiliate_id)
    if account is None:
        return False
    account.consecutive_failures += 1
    if account.consecutive_failures < MAX_CONSECUTIVE_FAILURES or account.paused_at is not None:
        return False
    account.paused_at = utcnow()
    trail.record("stripe.automatic_payouts_paused", actor_id=None, object_type="users", object_id=affiliate_id,
                 after={"consecutive_failures": account.consecutive_failures})
    return True


def record_retry_later(claimed, code: str, message: str | None) -> None:
    """Stripe could not be asked (or asked us to wait): the request stays processing for the next run; commits."""
    _finish_item(claimed, "retry_later", code=code, message=message)
    db.session.commit()


def after_commit(result: Recorded) -> None:
    request = result.request
    if request is None:
        return
    if result.newly_paid or result.newly_failed:
        payout_mail.decided(request)
    if result.returned:
        mail.payout_reversed(request, result.returned)
    if result.paused:
        mail.affiliate_paused(request.affiliate_id)
