"""Payout requests as CSV files: an affiliate's own history, and the admin's queue within its filters.

Streamed in keyset batches (newest request first): flat memory and one short statement per batch,
however long the history. Account numbers are masked as on the pages.
"""
from collections.abc import Iterator

from sqlalchemy import select

from app.models.money import PayoutRequest
from app.models.users import User
from app.services.analytics.exports import amount, cell, csv_chunks, utc_text
from app.services.common.keyset import newest_first_batches
from app.services.payouts.bank_csv import reference
from app.services.payouts.details import destination
from app.services.payouts.queries import PayoutFilters, matching

BATCH = 500
COLUMNS = ["reference", "requested_utc", "currency", "amount", "status", "method", "paid_to", "decided_utc",
           "paid_on", "paid_method", "transaction_id", "reversed", "reason"]
ADMIN_COLUMNS = ["affiliate_email", "affiliate_name"]


def _batches(query) -> Iterator:
    for batch in newest_first_batches(query, PayoutRequest.requested_at, PayoutRequest.id, BATCH):
        yield from batch


def _line(payout) -> list:
    return [reference(payout.id), utc_text(payout.requested_at), payout.currency,
            amount(payout.amount, payout.currency), payout.status, payout.method or "",
            cell(destination(payout.details)), utc_text(payout.decided_at),
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
