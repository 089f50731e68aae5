"""Payout requests: an affiliate asks for (part of) their available balance.

Requesting reserves the amount in the ledger at once (a `payout_reserve` entry in the same
transaction), so it leaves the available balance while the request is open; rejecting, cancelling
or a failed payment releases it again. The decisions after the request live in `payout_states`
and are re-exported here, so every payout page calls this one module.
"""
import secrets
from datetime import datetime

from flask import current_app
from loguru import logger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.common import utcnow
from app.models.money import OPEN_PAYOUT_STATUSES, PayoutRequest
from app.models.users import User
from app.money import CURRENCIES
from app.services.audit import trail
from app.services.common.lists import Page, paginate
from app.services.ledger import entries, owed
from app.services.payouts import details
from app.services.payouts.errors import (
    InvalidPayoutAmount,
    PayoutAboveAvailable,
    PayoutAlreadyOpen,
    PayoutBelowMinimum,
    PayoutNotAllowed,
    UnknownCurrency,
)
from app.services.payouts.states import (
    lock_affiliate,
)


def minimum_for(currency: str) -> int:
    """The smallest payout in `currency` (minor units); a currency without a configured minimum has none."""
    return int(current_app.config.get("PAYOUT_MINIMUMS", {}).get(currency.upper(), 0))


def open_request(affiliate_id: int, currency: str) -> PayoutRequest | None:
    return db.session.scalar(select(PayoutRequest).where(
        PayoutRequest.affiliate_id == affiliate_id, PayoutRequest.currency == currency,
        PayoutRequest.status.in_(OPEN_PAYOUT_STATUSES)))


def request_payout(affiliate_id: int, amount: int, currency: str, *, ip: str | None = None,
                   now: datetime | None = None) -> PayoutRequest:
    """Ask for `amount` minor units of `currency` to be paid out; reserves it; commits.

    Refused below the currency's minimum, above the available balance, while money is owed (see
    ledger.owed), while another request in the currency is open, or without payout details. The
    affiliate's row is locked before the balance is read, so two requests (or a request and a
    cancellation) of one affiliate run one after the other and can never spend the same money twice.
    """
    currency = (currency or "").strip().upper()
    if currency not in CURRENCIES:
        raise UnknownCurrency()
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidPayoutAmount()
    minimum = minimum_for(currency)
    if amount < minimum:
        raise PayoutBelowMinimum(minimum, currency)
    try:
        user = lock_affiliate(affiliate_id)
        if user is None or user.role != "affiliate":
            raise PayoutNotAllowed("Only affiliates request payouts.")
        if open_request(affiliate_id, currency) is not None:
            raise PayoutAlreadyOpen(currency)
        left = owed.payable(affiliate_id, currency, now)
        if amount > left:
            raise PayoutAboveAvailable(left, currency)
        snapshot = details.snapshot(affiliate_id)
        request = PayoutRequest(affiliate_id=affiliate_id, amount=amount, currency=currency, status="requested",
                                method=snapshot["method"], details=snapshot, requested_at=utcnow(),
                                idempotency_key=secrets.token_urlsafe(32))
        db.session.add(request)
        db.session.flush()
        entries.append(affiliate_id, currency, -amount, "payout_reserve", f"reserve:payout:{request.id}",
                      payout_request_id=request.id, memo=f"Payout request {request.id}")
        trail.record("payout.requested", request, actor_id=affiliate_id, ip=ip, before=None, after={
            "status": "requested", "amount": amount, "currency": currency, "method": snapshot["method"],
            "available_before": left})
        db.session.commit()
    except IntegrityError as exc:
        # Only the one-open-request index can clash here (the lock normally prevents even that).
        db.session.rollback()
        if open_request(affiliate_id, currency) is not None:
            raise PayoutAlreadyOpen(currency) from exc
        raise
    except Exception:
        db.session.rollback()
        raise
    logger.info("payout requested id={} amount={} currency={} by={}", request.id, amount, currency, affiliate_id)
    return request


def requests_of(affiliate_id: int, page: int = 1, per_page: int = 20) -> Page:
    """The affiliate's requests, newest first, one page of them."""
    query = (select(PayoutRequest).where(PayoutRequest.affiliate_id == affiliate_id)
             .order_by(PayoutRequest.requested_at.desc(), PayoutRequest.id.desc()))
    return paginate(query, page, per_page)


def timelines(request_ids) -> dict[int, list[AuditEvent]]:
    """Each request's audit events (requested, approved, paid …), oldest first, with who did them."""
    ids = [str(i) for i in request_ids]
    result: dict[int, list[AuditEvent]] = {int(i): [] for i in ids}
    if not ids:
        return result
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == PayoutRequest.__tablename__,
                                 AuditEvent.object_id.in_(ids))
        .order_by(AuditEvent.created_at, AuditEvent.id))
    for event in events:
        result[int(event.object_id)].append(event)
    return result


def names_of(user_ids) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
