"""The affiliate's statement as a CSV file: the entries within the page's filters, currency by currency.

Headers, entry kinds and notes are in the reader's language; amounts are whole numbers in the
currency's minor unit beside the currency's code, times in UTC. Streamed in keyset batches (newest
first within each currency, through the statement's index), so a ledger of any length costs flat
memory and one short statement per batch.
"""
from collections.abc import Iterator

from flask_babel import gettext as _

from app.labels import label
from app.memos import memo_text
from app.models.money import LedgerEntry
from app.services.analytics.exports import cell, csv_chunks, utc_text
from app.services.common.keyset import newest_first_batches
from app.services.ledger.statement import StatementFilters, due_at_column, matching

BATCH = 500


def _lines(affiliate_id: int, filters: StatementFilters, tz: str, currencies: list[str]) -> Iterator[list]:
    for currency in [filters.currency] if filters.currency else currencies:
        in_currency = StatementFilters(**{**filters.__dict__, "currency": currency})
        query = matching(affiliate_id, in_currency, tz, *LedgerEntry.__table__.c, due_at_column())
        for batch in newest_first_batches(query, LedgerEntry.created_at, LedgerEntry.id, BATCH):
            for entry in batch:
                yield [utc_text(entry.created_at), entry.currency, entry.amount, label(entry.kind),
                       cell(memo_text(entry)), utc_text(entry.due_at), entry.id]


def statement_csv(affiliate_id: int, filters: StatementFilters, tz: str, currencies: list[str]) -> Iterator[str]:
    """CSV text of the affiliate's matching entries, chunk by chunk; `currencies` are those they have."""
    header = [_("Time (UTC)"), _("Currency"), _("Amount (minor units)"), _("Entry"), _("Note"),
              _("Available from (UTC)"), _("Entry number")]
    return csv_chunks(header, _lines(affiliate_id, filters, tz, currencies))
