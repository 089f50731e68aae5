"""The conversion state machine: pending → approved | rejected, approved → reversed.

Every change goes through `apply_transition` on a row re-read under a lock (`SELECT … FOR UPDATE`
on Postgres) in the same transaction, so a double click or two reviewers at once cannot approve
twice; the ledger's unique idempotency key is the second guard.
"""
from datetime import datetime

from loguru import logger
from sqlalchemy import select

from app import memos
from app.extensions import db
from app.models.campaigns import Campaign
from app.models.common import utcnow
from app.models.conversions import Conversion
from app.models.users import User
from app.services.analytics import measures
from app.services.audit import trail
from app.services.conversions import mail
from app.services.conversions.errors import ConversionNotFound, InvalidTransition, ReasonRequired, ReviewNotAllowed
from app.services.ledger import entries
from app.services.webhooks import outbox

WEBHOOK_EVENTS = {"approved": "conversion.approved", "rejected": "conversion.rejected",
                  "reversed": "conversion.refunded"}

ALLOWED = {("pending", "approved"), ("pending", "rejected"), ("approved", "reversed")}
BULK_LIMIT = 500
AUTO_BATCH = 200


def lock(conversion_id: int) -> Conversion | None:
    """Re-read the conversion under a row lock, discarding any copy the session already holds."""
    return db.session.scalar(
        select(Conversion).where(Conversion.id == conversion_id)
        .with_for_update().execution_options(populate_existing=True)
    )


def remaining_commission(conversion: Conversion) -> int:
    return conversion.commission - conversion.commission_reversed


def apply_transition(conversion: Conversion, to_status: str, actor_id: int | None, reason: str | None = None,
                     ip: str | None = None, now: datetime | None = None, announce: bool = True) -> None:
    """Move a locked conversion to `to_status`, with its ledger entry, audit and webhook events (no commit).

    `announce=False` leaves the webhook event to the caller (a refund reports the reversal it causes)."""
    before = conversion.status
    if (before, to_status) not in ALLOWED:
        raise InvalidTransition(f"A {before} conversion cannot become {to_status}.")
    reason = (reason or "").strip() or None
    if to_status == "rejected" and not reason:
        raise ReasonRequired("Give a reason for rejecting the conversion.")
    figures_before = measures.conversion_state(conversion)
    entry = None
    if to_status == "approved":
        # What is left after any refund made while the conversion was pending.
        entry = entries.append(conversion.affiliate_id, conversion.currency, remaining_commission(conversion),
                               "commission", f"commission:conv:{conversion.id}", conversion_id=conversion.id,
                               available_at=conversion.payable_at,
                               **memos.params(memos.ORDER, order=conversion.order_id))
    elif to_status == "reversed":
        # Dated like the commission it cancels, so the two never count in different periods.
        entry = entries.append(conversion.affiliate_id, conversion.currency, -remaining_commission(conversion),
                               "reversal", f"reversal:conv:{conversion.id}", conversion_id=conversion.id,
                               available_at=conversion.payable_at,
                               **memos.params(memos.ORDER_REVERSED, order=conversion.order_id))
        conversion.commission_reversed = conversion.commission
    conversion.status = to_status
    conversion.decided_at = now or utcnow()
    conversion.decided_by_id = actor_id
    if to_status in ("rejected", "reversed") and reason:
        conversion.reject_reason = reason
    measures.record_change(conversion, figures_before, ledger_entry=entry)
    trail.record(f"conversion.{to_status}", conversion, actor_id=actor_id, ip=ip,
                 before={"status": before},
                 after={"status": to_status, "reason": reason, "commission": remaining_commission(conversion)})
    if announce:
        outbox.conversion_event(WEBHOOK_EVENTS[to_status], conversion)
    logger.info("conversion {} {} -> {} by={}", conversion.id, before, to_status, actor_id or "system")


def transition(conversion_id: int, to_status: str, actor_id: int | None, reason: str | None = None,
               ip: str | None = None) -> Conversion:
    """The one door for a reviewer's decision on one conversion; commits."""
    conversion = lock(conversion_id)
    if conversion is None:
        raise ConversionNotFound()
    try:
        apply_transition(conversion, to_status, actor_id, reason, ip)
    except Exception:
        db.session.rollback()  # releases the row lock
        raise
    db.session.commit()
    mail.decided([conversion])
    return conversion


def approve(conversion_id: int, actor_id: int | None, ip: str | None = None) -> Conversion:
    return transition(conversion_id, "approved", actor_id, ip=ip)


def reject(conversion_id: int, actor_id: int | None, reason: str, ip: str | None = None) -> Conversion:
    return transition(conversion_id, "rejected", actor_id, reason=reason, ip=ip)


def reverse(conversion_id: int, actor_id: int | None, reason: str | None = None, ip: str | None = None) -> Conversion:
    return transition(conversion_id, "reversed", actor_id, reason=reason, ip=ip)


def approve_many(ids, actor: User, reason: str | None = None, ip: str | None = None) -> int:
    """Approve the pending conversions among `ids` that `actor` may review; returns how many."""
    return _many(ids, actor, "approved", reason, ip)


def reject_many(ids, actor: User, reason: str, ip: str | None = None) -> int:
    """Reject the pending conversions among `ids` that `actor` may review; returns how many."""
    if not (reason or "").strip():
        raise ReasonRequired("Give a reason for rejecting the conversions.")
    return _many(ids, actor, "rejected", reason, ip)


def _many(ids, actor: User, to_status: str, reason: str | None, ip: str | None) -> int:
    if actor.role not in ("admin", "merchant"):
        raise ReviewNotAllowed()
    wanted = sorted({int(i) for i in ids})[:BULK_LIMIT]
    if not wanted:
        return 0
    # Locked in id order so two overlapping bulk actions cannot deadlock; others' rows never match.
    query = (select(Conversion).where(Conversion.id.in_(wanted), Conversion.status == "pending")
             .order_by(Conversion.id).with_for_update().execution_options(populate_existing=True))
    if actor.role != "admin":
        query = query.where(Conversion.owned_by(actor))
    conversions = db.session.scalars(query).all()
    for conversion in conversions:
        apply_transition(conversion, to_status, actor.id, reason, ip)
    db.session.commit()
    mail.decided(conversions)
    return len(conversions)


def auto_approve_due(now: datetime | None = None) -> int:
    """Approve pending conversions past their hold period on auto-approving campaigns.

    Conversions with fraud flags are left for a person. Safe to run twice or concurrently: rows
    are re-checked under a lock, and rows another transaction holds are skipped until next time.
    """
    now = now or utcnow()
    due = db.session.scalars(
        select(Conversion.id).join(Campaign, Campaign.id == Conversion.campaign_id)
        .where(Conversion.status == "pending", Conversion.payable_at <= now, Campaign.auto_approve.is_(True))
        .order_by(Conversion.id)
    ).all()
    approved = []
    for start in range(0, len(due), AUTO_BATCH):
        batch = db.session.scalars(
            select(Conversion).where(Conversion.id.in_(due[start:start + AUTO_BATCH]),
                                     Conversion.status == "pending", Conversion.payable_at <= now)
            .order_by(Conversion.id).with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).all()
        for conversion in batch:
            if conversion.fraud_flags:
                continue
            apply_transition(conversion, "approved", None, "approved automatically after the hold period", now=now)
            approved.append(conversion)
        db.session.commit()
    if approved:
        logger.info("auto-approved {} conversions", len(approved))
        mail.decided(approved)
    return len(approved)
