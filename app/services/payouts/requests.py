"""Payout requests: an affiliate asks for (part of) their available balance.

Requesting reserves the amount in the ledger at once (a `payout_reserve` entry in the same
transaction), so it leaves the available balance while the request is open; rejecting, cancelling
or a failed payment releases it again. The decisions after the request live in `states`.
"""
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from loguru import logger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import memos
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.common import utcnow
from app.models.money import OPEN_PAYOUT_STATUSES, PayoutRequest
from app.models.users import User
from app.money import CURRENCIES
from app.services.audit import trail
from app.services.common.lists import Page, paginate
from app.services.common.sorting import Sort, Sorts
from app.services.ledger import entries, owed
from app.services.payouts import details, mail
from app.services.payouts.errors import (
    InvalidPayoutAmount,
    InvalidPayoutDetails,
    InvalidPayoutTransition,
    PayoutAboveAvailable,
    PayoutAlreadyOpen,
    PayoutBelowMinimum,
    PayoutNotAllowed,
    PayoutNotFound,
    UnknownCurrency,
)
from app.services.payouts.states import lock_affiliate
from app.services.stripe_connect import accounts as stripe_accounts
from app.services.webhooks import outbox


def minimum_for(currency: str) -> int:
    """The smallest payout in `currency` (minor units); a currency without a configured minimum has none."""
    return int(current_app.config.get("PAYOUT_MINIMUMS", {}).get(currency.upper(), 0))


def open_request(affiliate_id: int, currency: str) -> PayoutRequest | None:
    return db.session.scalar(select(PayoutRequest).where(
        PayoutRequest.affiliate_id == affiliate_id, PayoutRequest.currency == currency,
        PayoutRequest.status.in_(OPEN_PAYOUT_STATUSES)))


def request_payout(affiliate_id: int, amount: int, currency: str, *, method: str | None = None,
                   ip: str | None = None, now: datetime | None = None) -> PayoutRequest:
    """Ask for `amount` minor units of `currency` to be paid out; reserves it; commits.

    Paid to the affiliate's payout details, or with `method="stripe"` to their ready Stripe account
    (refused, before anything is written, when the currency is not one Stripe pays). Refused below the
    currency's minimum, above the available balance, while money is owed (see ledger.owed), while
    another request in the currency is open, or without payout details. The affiliate's row is locked
    before the balance is read, so two requests (or a request and a cancellation) of one affiliate run
    one after the other and can never spend the same money twice.
    """
    currency = (currency or "").strip().upper()
    if currency not in CURRENCIES:
        raise UnknownCurrency()
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidPayoutAmount()
    minimum = minimum_for(currency)
    if amount < minimum:
        raise PayoutBelowMinimum(minimum, currency)
    if method == "stripe":
        destination = stripe_accounts.destination(affiliate_id, currency)
    elif method in (None, "details"):
        destination = None  # read under the lock below
    else:
        raise InvalidPayoutDetails("method", _l("Choose how you want to be paid."))
    return _reserve(affiliate_id, amount, currency, destination, actor_id=affiliate_id, ip=ip, now=now)


def reissue(request_id: int, actor_id: int, destination: dict | None, ip: str | None = None) -> PayoutRequest:
    """Make a failed payout again: a new request for the same amount, approved at once, paid to `destination`
    (a snapshot like a request's `details`; None for the affiliate's payout details now); commits.

    The failed request stays as it is (its amount went back to the balance); the new one reserves the
    amount again, so it must still be available and no other request in the currency may be open.
    """
    original = db.session.get(PayoutRequest, request_id)
    if original is None:
        raise PayoutNotFound()
    if original.status != "failed":
        raise InvalidPayoutTransition(original.status, "approved")
    return _reserve(original.affiliate_id, original.amount, original.currency, destination, actor_id=actor_id,
                    ip=ip, reissue_of=original)


def _reserve(affiliate_id: int, amount: int, currency: str, destination: dict | None, *, actor_id: int,
             ip: str | None, now: datetime | None = None, reissue_of: PayoutRequest | None = None) -> PayoutRequest:
    """Create the request and its reserve entry under the affiliate's lock (requested, or approved when it
    makes `reissue_of` again); commits and emails the affiliate about an approved one."""
    try:
        user = lock_affiliate(affiliate_id)
        if user is None or user.role != "affiliate":
            raise PayoutNotAllowed("Only affiliates request payouts.")
        if open_request(affiliate_id, currency) is not None:
            raise PayoutAlreadyOpen(currency)
        left = owed.payable(affiliate_id, currency, now)
        if amount > left:
            raise PayoutAboveAvailable(left, currency)
        snapshot = dict(destination or details.snapshot(affiliate_id))
        status, at = ("approved" if reissue_of else "requested"), utcnow()
        if reissue_of is not None:
            snapshot["reissue_of"] = reissue_of.id
        request = PayoutRequest(affiliate_id=affiliate_id, amount=amount, currency=currency, status=status,
                                method=snapshot["method"], details=snapshot, requested_at=at,
                                decided_at=at if reissue_of else None, decided_by_id=actor_id if reissue_of else None,
                                idempotency_key=secrets.token_urlsafe(32))
        db.session.add(request)
        db.session.flush()
        entries.append(affiliate_id, currency, -amount, "payout_reserve", f"reserve:payout:{request.id}",
                       payout_request_id=request.id, **memos.params(memos.PAYOUT_RESERVED, request=request.id))
        trail.record("payout.reissued" if reissue_of else "payout.requested", request, actor_id=actor_id, ip=ip,
                     before=None, after={"status": status, "amount": amount, "currency": currency,
                                         "method": snapshot["method"], "available_before": left,
                                         **({"reissue_of": reissue_of.id} if reissue_of else {})})
        if reissue_of is None:
            outbox.payout_event("payout.requested", request)
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
    logger.info("payout {} id={} amount={} currency={} by={}", status, request.id, amount, currency, actor_id)
    if reissue_of is not None:
        mail.decided(request)
    return request


# Amounts are compared within a currency only.
HISTORY_SORTS = Sorts({"requested": (PayoutRequest.requested_at,),
                       "amount": (PayoutRequest.currency.asc(), PayoutRequest.amount),
                       "status": (PayoutRequest.status,)},
                      default="requested", tie=PayoutRequest.id)


def requests_of(affiliate_id: int, page: int = 1, per_page: int = 20, sort: Sort = Sort("requested")) -> Page:
    """The affiliate's requests, newest first unless `sort` says otherwise, one page of them."""
    query = (select(PayoutRequest).where(PayoutRequest.affiliate_id == affiliate_id)
             .order_by(*HISTORY_SORTS.order_by(sort)))
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
