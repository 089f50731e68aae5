"""The payout request state machine, one door per transition.

    requested → approved → processing → paid | failed
    approved → paid | failed
    requested → rejected | cancelled
    paid → reversed (a Stripe transfer taken back in full)

Every door re-reads the request under a row lock (`SELECT … FOR UPDATE` on Postgres) in the
transaction that changes it, so a double click or two admins at once make one transition: the
second finds the new status and is refused. Doors that give money back (reject, cancel, fail)
first lock the affiliate's row, as a new request does, so a release and a request never interleave;
the release's ledger key is the second guard against paying back twice.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from loguru import logger
from sqlalchemy import select

from app import memos
from app.extensions import db
from app.models.common import utcnow
from app.models.money import PAYOUT_METHODS, PayoutRequest
from app.models.users import User
from app.services.audit import trail
from app.services.ledger import entries
from app.services.payouts import mail
from app.services.payouts.errors import (
    InvalidPayment,
    InvalidPayoutTransition,
    NotPaid,
    PaidThroughStripe,
    PayoutNotAllowed,
    PayoutNotFound,
    ReasonRequired,
    TransactionIdRequired,
)
from app.services.webhooks import outbox

ALLOWED = {
    ("requested", "approved"), ("requested", "rejected"), ("requested", "cancelled"),
    ("approved", "processing"), ("approved", "paid"), ("approved", "failed"),
    ("processing", "paid"), ("processing", "failed"), ("paid", "reversed"),
}
RELEASING = ("rejected", "cancelled", "failed")
EMAILED = ("approved", "rejected", "paid", "failed")
BULK_LIMIT = 500
REASON_MAX = 1000
NOTES_MAX = 2000
TRANSACTION_MAX = 120


def lock_affiliate(affiliate_id: int) -> User | None:
    """Lock the affiliate's user row: requests and releases of one affiliate queue behind each other.

    FOR NO KEY UPDATE, so rows that merely reference the user (new ledger entries, audit events)
    are not held up.
    """
    return db.session.scalar(select(User).where(User.id == affiliate_id)
                             .with_for_update(key_share=True).execution_options(populate_existing=True))


def lock(request_id: int) -> PayoutRequest | None:
    """Re-read the request under a row lock, discarding any copy the session already holds."""
    return db.session.scalar(select(PayoutRequest).where(PayoutRequest.id == request_id)
                             .with_for_update().execution_options(populate_existing=True))


def _jsonable(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def apply_transition(request: PayoutRequest, to_status: str, actor_id: int | None, ip: str | None = None,
                     changes: dict | None = None, now: datetime | None = None) -> None:
    """Move a locked request to `to_status` with its release entry, audit event and log line (no commit)."""
    before = request.status
    if (before, to_status) not in ALLOWED:
        raise InvalidPayoutTransition(before, to_status)
    now = now or utcnow()
    changes = dict(changes or {})
    if to_status in ("approved", "rejected"):
        changes.update(decided_at=now, decided_by_id=actor_id)
    if to_status == "paid":
        changes.update(paid_at=now, paid_by_id=actor_id)
    for column, value in changes.items():
        setattr(request, column, value)
    request.status = to_status
    if to_status in RELEASING:
        entries.append(request.affiliate_id, request.currency, request.amount, "payout_release",
                      f"release:payout:{request.id}", payout_request_id=request.id,
                      **memos.params(memos.PAYOUT_RELEASED, request=request.id, status=to_status))
    trail.record(f"payout.{to_status}", request, actor_id=actor_id, ip=ip, before={"status": before},
                 after={"status": to_status, "amount": request.amount, "currency": request.currency,
                        **{k: _jsonable(v) for k, v in changes.items() if not k.endswith("_by_id")}})
    if to_status in ("paid", "failed"):
        outbox.payout_event(f"payout.{to_status}", request)
    logger.info("payout {} id={} amount={} currency={} by={}", to_status, request.id, request.amount,
                request.currency, actor_id or "system")


def by_hand_only(request: PayoutRequest) -> None:
    """A payout sent through Stripe is paid, and its record kept, by the Stripe runs alone."""
    if request.method == "stripe" or request.paid_method == "stripe":
        raise PaidThroughStripe()


def not_being_sent(request: PayoutRequest) -> None:
    """A Stripe payout a run has taken may already be on its way: only the run (or Stripe's news) settles it."""
    if request.method == "stripe" and request.status == "processing":
        raise PaidThroughStripe()


def apply_take_back(request: PayoutRequest, total: int, actor_id: int | None, ip: str | None = None,
                    note: str | None = None) -> int:
    """Raise what came back of the locked, paid request to `total` (no commit); returns what was released now.

    What is missing is released by one `payout_release` entry keyed by the new total, so the same total
    reported twice releases nothing more; all of it back makes the request `reversed`.
    """
    if request.status != "paid":
        raise InvalidPayoutTransition(request.status, "reversed")
    total = min(total, request.amount)
    missing = total - (request.reversed_amount or 0)
    if missing <= 0:
        return 0
    entries.append(request.affiliate_id, request.currency, missing, "payout_release",
                   f"release:payout:{request.id}:reversed:{total}", payout_request_id=request.id,
                   **memos.params(memos.PAYOUT_TAKEN_BACK, request=request.id, note=note))
    before = request.reversed_amount or 0
    if total == request.amount:
        apply_transition(request, "reversed", actor_id, ip, changes={"reversed_amount": total})
    else:
        request.reversed_amount = total
        trail.record("payout.partly_reversed", request, actor_id=actor_id, ip=ip, before={"reversed_amount": before},
                     after={"reversed_amount": total, "currency": request.currency, "note": note})
    return missing


def take_back(request_id: int, total: int, actor_id: int | None, ip: str | None = None,
              note: str | None = None) -> tuple[PayoutRequest, int]:
    """A paid payout came back (in part or in full) after payment: release it to the balance; commits."""
    try:
        affiliate_id = db.session.scalar(select(PayoutRequest.affiliate_id).where(PayoutRequest.id == request_id))
        if affiliate_id is not None:
            lock_affiliate(affiliate_id)
        request = lock(request_id)
        if request is None:
            raise PayoutNotFound()
        returned = apply_take_back(request, total, actor_id, ip, note)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return request, returned


def _door(request_id: int, to_status: str, actor_id: int | None, ip: str | None, *, changes: dict | None = None,
          owner_id: int | None = None, check=None) -> PayoutRequest:
    """Lock, check (`check(request)` may refuse), change, commit; then email the affiliate."""
    try:
        if to_status in RELEASING:
            affiliate_id = db.session.scalar(select(PayoutRequest.affiliate_id).where(PayoutRequest.id == request_id))
            if affiliate_id is not None:
                lock_affiliate(affiliate_id)
        request = lock(request_id)
        if request is None or (owner_id is not None and request.affiliate_id != owner_id):
            raise PayoutNotFound()
        if check is not None:
            check(request)
        apply_transition(request, to_status, actor_id, ip, changes)
    except Exception:
        db.session.rollback()  # releases the locks
        raise
    db.session.commit()
    if to_status in EMAILED:
        mail.decided(request)
    return request


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    return reason[:REASON_MAX]


def approve(request_id: int, actor_id: int | None, ip: str | None = None) -> PayoutRequest:
    return _door(request_id, "approved", actor_id, ip)


def reject(request_id: int, actor_id: int | None, reason: str, ip: str | None = None) -> PayoutRequest:
    """Refuse a requested payout; the reserved amount goes back to the affiliate's available balance."""
    return _door(request_id, "rejected", actor_id, ip, changes={"reject_reason": _reason(reason)})


def cancel(request_id: int, affiliate_id: int, ip: str | None = None) -> PayoutRequest:
    """The affiliate withdraws their own request while it still waits for approval."""
    return _door(request_id, "cancelled", affiliate_id, ip, owner_id=affiliate_id)


def mark_processing(request_id: int, actor_id: int | None, ip: str | None = None) -> PayoutRequest:
    """An approved payout is being sent by hand (in a bank batch, say), so nobody pays it twice."""
    return _door(request_id, "processing", actor_id, ip, check=by_hand_only)


def mark_failed(request_id: int, actor_id: int | None, reason: str, ip: str | None = None) -> PayoutRequest:
    """The payment did not go through (or an approved Stripe payout is withdrawn before a run takes it);
    the amount goes back to the affiliate's available balance."""
    return _door(request_id, "failed", actor_id, ip, changes={"failed_reason": _reason(reason)},
                 check=not_being_sent)


def _payment_fields(method, transaction_id, notes, proof, *, partial: bool) -> dict:
    """Validated payment columns; with `partial`, only those given (None means "leave as is")."""
    fields = {}
    if method is not None or not partial:
        if method not in PAYOUT_METHODS:
            raise InvalidPayment("method", _l("Choose how the payout was paid."))
        fields["paid_method"] = method
    if transaction_id is not None or not partial:
        transaction_id = (transaction_id or "").strip()
        if not transaction_id:
            raise TransactionIdRequired()
        if len(transaction_id) > TRANSACTION_MAX:
            raise InvalidPayment("transaction_id", _l("The transaction id is too long."))
        fields["transaction_id"] = transaction_id
    if notes is not None:
        fields["payment_notes"] = (notes.strip()[:NOTES_MAX]) or None
    if proof is not None:
        fields.update(proof_path=proof["path"], proof_filename=proof.get("filename"),
                      proof_content_type=proof.get("content_type"))
    return fields


def confirm_paid(request_id: int, actor_id: int | None, *, method: str, transaction_id: str, paid_on: date,
                 notes: str | None = None, proof: dict | None = None, ip: str | None = None) -> PayoutRequest:
    """Record that an approved (or processing) payout was sent: how, its transaction id, when.

    `proof` is {path, filename, content_type} of a file the caller has already stored, or None.
    """
    fields = _payment_fields(method, transaction_id, notes, proof, partial=False)
    if not isinstance(paid_on, date) or isinstance(paid_on, datetime):
        raise InvalidPayment("paid_on", _l("Enter the date the payment was made."))
    return _door(request_id, "paid", actor_id, ip, changes={**fields, "paid_on": paid_on}, check=by_hand_only)


def correct_payment(request_id: int, actor_id: int | None, *, method: str | None = None,
                    transaction_id: str | None = None, notes: str | None = None, proof: dict | None = None,
                    ip: str | None = None) -> PayoutRequest:
    """Fix the payment record of a paid request; the audit trail keeps what it said before."""
    fields = _payment_fields(method, transaction_id, notes, proof, partial=True)
    try:
        request = lock(request_id)
        if request is None:
            raise PayoutNotFound()
        if request.status != "paid":
            raise NotPaid(request.status, "paid")
        by_hand_only(request)
        changed = {k: v for k, v in fields.items() if getattr(request, k) != v}
        if not changed:
            db.session.rollback()
            return request
        before = {k: getattr(request, k) for k in changed}
        for column, value in changed.items():
            setattr(request, column, value)
        trail.record("payout.payment_corrected", request, actor_id=actor_id, ip=ip, before=before, after=changed)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    logger.info("payout payment corrected id={} fields={} by={}", request.id, sorted(changed), actor_id)
    return request


def approve_many(ids, actor: User, ip: str | None = None) -> int:
    """Approve the requested payouts among `ids`; returns how many changed (others are left alone)."""
    if actor is None or actor.role != "admin":
        raise PayoutNotAllowed()
    wanted = sorted({int(i) for i in ids})[:BULK_LIMIT]
    if not wanted:
        return 0
    # Locked in id order so two overlapping bulk approvals cannot deadlock.
    try:
        requests = db.session.scalars(
            select(PayoutRequest).where(PayoutRequest.id.in_(wanted), PayoutRequest.status == "requested")
            .order_by(PayoutRequest.id).with_for_update().execution_options(populate_existing=True)).all()
        for request in requests:
            apply_transition(request, "approved", actor.id, ip)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    for request in requests:
        mail.decided(request)
    return len(requests)
