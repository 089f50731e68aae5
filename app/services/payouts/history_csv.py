"""Payout requests as CSV files: an affiliate's own history, and the admin's queue within its filters.

Streamed in keyset batches (newest request first): flat memory and one short statement per batch,
however long the history. Account numbers are masked as on the pages.
"""
from collections.abc import Iterator

from sqlalchemy import or_, select

from app.extensions import db
from app.models.money import PayoutRequest
from app.models.users import User
from app.services.analytics.exports import amount, cell, csv_chunks
from app.services.payouts.bank_csv import reference
from app.services.payouts.details import destination
from app.services.payouts.queries import PayoutFilters, matching

BATCH = 500
COLUMNS = ["reference", "requested_utc", "currency", "amount", "status", "method", "paid_to", "decided_utc",
           "paid_on", "paid_method", "transaction_id", "reversed", "reason"]
ADMIN_COLUMNS = ["affiliate_email", "affiliate_name"]


def _batches(query) -> Iterator:
    query = query.order_by(PayoutRequest.requested_at.desc(), PayoutRequest.id.desc())
    last = None
    while True:
        batch_query = query if last is None else query.where(
            PayoutRequest.requested_at <= last[0],
            or_(PayoutRequest.requested_at < last[0], PayoutRequest.id < last[1]))
        batch = db.session.execute(batch_query.limit(BATCH)).all()
        yield from batch
        if len(batch) < BATCH:
            return
        last = (batch[-1].requested_at, batch[-1].id)


def _utc(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def _line(payout) -> list:
    return [reference(payout.id), _utc(payout.requested_at), payout.currency, amount(payout.amount, payout.currency),
            payout.status, payout.method or "", cell(destination(payout.details)), _utc(payout.decided_at),
            payout.paid_on.isoformat() if payout.paid_on else "", payout.paid_method or "",
            cell(payout.transaction_id), amount(payout.reversed_amount or 0, payout.currency),
            cell(payout.reject_reason or payout.failed_reason)]


def affiliate_csv(affiliate_id: int) -> Iterator[str]:
    """Every payout request of the affiliate, newest first."""
    query = select(*PayoutRequest.__table__.c).where(PayoutRequest.affiliate_id == affiliate_id)
    return csv_chunks(COLUMNS, (_line(row) for row in _batches(query)))


def queue_csv(filters: PayoutFilters, tz: str) -> Iterator[str]:
    """The payout requests matching the queue's filters, newest first, with whose they are."""
    query = matching(select(*PayoutRequest.__table__.c, User.email.label("affiliate_email"),
                            User.name.label("affiliate_name")).join(User, User.id == PayoutRequest.affiliate_id),
                     filters, tz)
    return csv_chunks(ADMIN_COLUMNS + COLUMNS,
                      ([cell(row.affiliate_email), cell(row.affiliate_name), *_line(row)] for row in _batches(query)))
