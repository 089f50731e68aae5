"""Recording what Stripe answered for a payout request, through the payout state machine's doors.

Each outcome is one transaction: the request is re-read under its row lock, moved (processing → paid,
or processing → failed with the amount released), the run's item and heartbeat are updated, and it
commits; emails go after the commit. Recording is idempotent: a request already paid with that
transfer is left alone, so the run, a later run and a `transfer.created` webhook can all report the
same transfer safely.
"""
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from loguru import logger
from sqlalchemy import select, update

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


def adopt(request: PayoutRequest, transfer: dict) -> Recorded:
    """Record `transfer` as the locked request's payment (no commit). A transfer that does not match is refused."""
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
    account = _lock_account(request.affiliate_id)
    if account is not None:
        account.consecutive_failures = 0
    result.returned = reversals.apply(request, transfer)
    return result


def _lock_account(user_id: int) -> StripeAccount | None:
    return db.session.scalar(select(StripeAccount).where(StripeAccount.user_id == user_id)
                             .with_for_update().execution_options(populate_existing=True))


def _finish_item(item_id: int | None, outcome: str, *, transfer_id=None, code=None, message=None) -> None:
    if item_id is None:
        return
    now = utcnow()
    item = db.session.get(StripePayoutItem, item_id)
    item.outcome, item.transfer_id, item.finished_at = outcome, transfer_id, now
    item.error_code, item.error_message = code, (message or None) and message[:REASON_MAX]
    db.session.execute(update(StripePayoutRun).where(StripePayoutRun.id == item.run_id).values(heartbeat_at=now))


def record_sent(request_id: int, item_id: int | None, transfer: dict) -> Recorded:
    try:
        states.lock_affiliate(db.session.scalar(select(PayoutRequest.affiliate_id)
                                                .where(PayoutRequest.id == request_id)))
        request = states.lock(request_id)
        result = adopt(request, transfer)
        if result.problem:
            _finish_item(item_id, "retry_later", transfer_id=transfer.get("id"), code="transfer_mismatch",
                         message=result.problem)
        else:
            _finish_item(item_id, "sent", transfer_id=transfer["id"])
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    after_commit(result)
    return result


def record_failed(request_id: int, item_id: int | None, code: str, message: str | None) -> Recorded:
    """Stripe refused the transfer: the request fails, its amount goes back to the balance; commits."""
    reason = f"{message or REASONS.get(code, code)} ({code})"[:REASON_MAX]
    try:
        affiliate_id = db.session.scalar(select(PayoutRequest.affiliate_id).where(PayoutRequest.id == request_id))
        states.lock_affiliate(affiliate_id)
        request = states.lock(request_id)
        result = Recorded(request)
        if request.status == "processing":
            states.apply_transition(request, "failed", None, changes={"failed_reason": reason})
            result.newly_failed = True
            account = _lock_account(affiliate_id)
            if account is not None:
                account.consecutive_failures += 1
                if account.consecutive_failures >= MAX_CONSECUTIVE_FAILURES and account.paused_at is None:
                    account.paused_at = utcnow()
                    result.paused = True
                    trail.record("stripe.automatic_payouts_paused", actor_id=None, object_type="users",
                                 object_id=affiliate_id, after={"consecutive_failures": account.consecutive_failures})
        _finish_item(item_id, "failed", code=code, message=message)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    after_commit(result)
    return result


def record_retry_later(item_id: int, code: str, message: str | None) -> None:
    """Stripe could not be asked (or asked us to wait): the request stays processing for the next run; commits."""
    _finish_item(item_id, "retry_later", code=code, message=message)
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
