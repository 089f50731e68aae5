"""The affiliate's statement as a CSV file: the entries within the page's filters, currency by currency.

Headers, entry kinds and notes are in the reader's language; amounts are whole numbers in the
currency's minor unit beside the currency's code, times in UTC. Streamed in keyset batches (newest
first within each currency, through the statement's index), so a ledger of any length costs flat
memory and one short statement per batch.
"""
from collections.abc import Iterator

from flask_babel import gettext as _
from sqlalchemy import or_

from app.extensions import db
from app.labels import label
from app.memos import memo_text
from app.models.money import LedgerEntry
from app.services.analytics.exports import cell, csv_chunks
from app.services.ledger.statement import StatementFilters, due_at_column, matching

BATCH = 500


def _utc(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def _batches(query) -> Iterator[list]:
    """Plain rows (never entities the session would keep), a batch at a time."""
    query = query.order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
    last = None
    while True:
        batch_query = query if last is None else query.where(
            LedgerEntry.created_at <= last.created_at,
            or_(LedgerEntry.created_at < last.created_at, LedgerEntry.id < last.id))
        batch = db.session.execute(batch_query.limit(BATCH)).all()
        if batch:
            yield batch
        if len(batch) < BATCH:
            return
        last = batch[-1]


def _lines(affiliate_id: int, filters: StatementFilters, tz: str, currencies: list[str]) -> Iterator[list]:
    for currency in [filters.currency] if filters.currency else currencies:
        in_currency = StatementFilters(**{**filters.__dict__, "currency": currency})
        for batch in _batches(matching(affiliate_id, in_currency, tz, *LedgerEntry.__table__.c, due_at_column())):
            for entry in batch:
                yield [_utc(entry.created_at), entry.currency, entry.amount, label(entry.kind), cell(memo_text(entry)),
                       _utc(entry.due_at), entry.id]


def statement_csv(affiliate_id: int, filters: StatementFilters, tz: str, currencies: list[str]) -> Iterator[str]:
    """CSV text of the affiliate's matching entries, chunk by chunk; `currencies` are those they have."""
    header = [_("Time (UTC)"), _("Currency"), _("Amount (minor units)"), _("Entry"), _("Note"),
              _("Available from (UTC)"), _("Entry number")]
    return csv_chunks(header, _lines(affiliate_id, filters, tz, currencies))
