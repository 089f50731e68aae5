"""Refunds: an order paid back in full or in part takes its share of the commission back.

A partial refund reverses round_half_up(commission × refunded / amount), never more than what is
left; the refund that completes the order takes exactly the remainder, so the parts always add up
to the whole commission. On an approved conversion each refund writes a reversing ledger entry. A
fully refunded conversion ends as `reversed` (approved) or `rejected` with reason "refunded"
(pending: it never earned anything).
"""
from decimal import Decimal

from loguru import logger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import memos
from app.extensions import db
from app.models.common import utcnow
from app.models.conversions import Refund
from app.money import round_half_up
from app.services.analytics import measures
from app.services.audit import trail
from app.services.conversions import mail
from app.services.conversions.errors import (
    ConversionNotFound,
    InvalidConversion,
    RefundConflict,
    RefundNotAllowed,
    RefundTooLarge,
)
from app.services.conversions.states import apply_transition, lock, remaining_commission
from app.services.ledger import entries
from app.services.webhooks import outbox

REFUND_REASON = "refunded"


def refund(conversion_id: int, amount: int, actor_id: int | None = None, external_id: str | None = None,
           reason: str | None = None, ip: str | None = None) -> Refund:
    """Refund `amount` minor units of the conversion's order; returns the refund."""
    return record_refund(conversion_id, amount, actor_id=actor_id, external_id=external_id, reason=reason,
                         ip=ip)[0]


def record_refund(conversion_id: int, amount: int, actor_id: int | None = None, external_id: str | None = None,
                  reason: str | None = None, ip: str | None = None) -> tuple[Refund, bool]:
    """Like `refund`, also saying whether it was new: a repeated `external_id` returns the first one."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidConversion("The refund amount must be a positive integer in minor units.", "amount",
                                "out_of_range" if isinstance(amount, int) else "invalid_type")
    external_id = (external_id or "").strip() or None
    if external_id is not None and len(external_id) > 255:
        raise InvalidConversion("The refund id is longer than 255 characters.", "refund_id", "too_long")
    conversion = lock(conversion_id)
    if conversion is None:
        raise ConversionNotFound()
    try:
        if external_id is not None:
            # Refunds of one conversion queue on its row lock, so this sees any earlier repeat.
            earlier = db.session.scalar(select(Refund).where(Refund.external_id == external_id))
            if earlier is not None:
                repeat = _same_refund(earlier, conversion_id, amount)
                db.session.commit()  # nothing of ours to write; ends the transaction and its lock
                return repeat, False
        status_before = conversion.status
        new = _apply_refund(conversion, amount, actor_id, external_id, reason, ip)
        db.session.commit()
    except IntegrityError:
        # The same refund id arrived for another conversion at the same moment.
        db.session.rollback()
        earlier = db.session.scalar(select(Refund).where(Refund.external_id == external_id))
        if earlier is None:
            raise
        return _same_refund(earlier, conversion_id, amount), False
    except Exception:
        db.session.rollback()
        raise
    logger.info("refund {} of conversion {} amount={} commission_delta={}", new.id, conversion_id, amount,
                new.commission_delta)
    if conversion.status != status_before:  # refunded in full: the affiliate hears of it as of a decision
        mail.decided([conversion])
    return new, True


def _same_refund(earlier: Refund, conversion_id: int, amount: int) -> Refund:
    if earlier.conversion_id != conversion_id or earlier.amount != amount:
        raise RefundConflict("This refund id was already used with other values.")
    return earlier


def commission_share(conversion, amount: int) -> int:
    """The commission a refund of `amount` takes back."""
    left = remaining_commission(conversion)
    if conversion.refunded_amount + amount == conversion.amount:
        return left
    share = round_half_up(Decimal(conversion.commission) * amount / Decimal(conversion.amount))
    return min(share, left)


def _apply_refund(conversion, amount, actor_id, external_id, reason, ip) -> Refund:
    if conversion.status not in ("pending", "approved"):
        raise RefundNotAllowed(f"A {conversion.status} conversion cannot be refunded.")
    if conversion.refunded_amount + amount > conversion.amount:
        raise RefundTooLarge("The refunds would exceed the order amount "
                             f"({conversion.amount - conversion.refunded_amount} left to refund).")
    before = {"refunded_amount": conversion.refunded_amount,
              "commission_reversed": conversion.commission_reversed, "status": conversion.status}
    delta = commission_share(conversion, amount)
    figures_before = measures.conversion_state(conversion)
    new = Refund(conversion_id=conversion.id, amount=amount, commission_delta=delta, external_id=external_id,
                 reason=(reason or "").strip() or None, created_at=utcnow(), created_by_id=actor_id)
    db.session.add(new)
    db.session.flush()
    conversion.refunded_amount += amount
    conversion.commission_reversed += delta
    entry = None
    if conversion.status == "approved":
        # Dated like the commission it reduces, so both count in the same period.
        entry = entries.append(conversion.affiliate_id, conversion.currency, -delta, "reversal",
                               f"reversal:refund:{new.id}", conversion_id=conversion.id,
                               available_at=conversion.payable_at,
                               **memos.params(memos.ORDER_REFUNDED, order=conversion.order_id))
    measures.record_change(conversion, figures_before, ledger_entry=entry)
    trail.record("conversion.refunded", conversion, actor_id=actor_id, ip=ip, before=before, after={
        "refunded_amount": conversion.refunded_amount, "commission_reversed": conversion.commission_reversed,
        "refund_id": new.id, "external_id": external_id, "amount": amount, "commission_delta": delta})
    if conversion.refunded_amount == conversion.amount:
        to_status = "reversed" if conversion.status == "approved" else "rejected"
        apply_transition(conversion, to_status, actor_id, REFUND_REASON, ip, announce=to_status != "reversed")
    outbox.conversion_event("conversion.refunded", conversion, refund=new)
    return new
