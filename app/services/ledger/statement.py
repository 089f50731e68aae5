"""An affiliate's statement: their own ledger entries, filtered and read a window at a time.

The entries are read currency by currency through `(affiliate_id, currency, created_at | amount, id)`
and merged (see `app.services.common.keyset`), so a window costs the same however long the ledger
has grown, newest or oldest first, largest or smallest amount first. Which currencies an affiliate
has entries in is one probe per known currency, not a scan of their ledger.
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import String, case, cast, exists, func, literal, null, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models.money import LedgerEntry
from app.money import CURRENCIES
from app.services.common.keyset import NEWEST, Cursor, Order, Window, window
from app.services.common.lists import within_days
from app.services.ledger.balances import PAYOUT_KINDS

PER_PAGE = 50
SORT_COLUMNS = {"created": "created_at", "amount": "amount"}


@dataclass
class StatementFilters:
    currency: str | None = None
    kind: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def currencies_of(affiliate_id: int) -> list[str]:
    """The currencies the affiliate has ledger entries in, in the order of `app.money.CURRENCIES`."""
    probes = [exists().where(LedgerEntry.affiliate_id == affiliate_id, LedgerEntry.currency == currency)
              for currency in CURRENCIES]
    present = db.session.execute(select(*probes)).one()
    return [currency for currency, found in zip(CURRENCIES, present, strict=True) if found]


def matching(affiliate_id: int, filters: StatementFilters, tz: str, *columns):
    """A select of `columns` (default: the entries) over the affiliate's entries within the filters (no order).

    The days are calendar days in zone `tz`, both included.
    """
    query = select(*(columns or (LedgerEntry,))).where(LedgerEntry.affiliate_id == affiliate_id)
    if filters.currency:
        query = query.where(LedgerEntry.currency == filters.currency)
    if filters.kind:
        query = query.where(LedgerEntry.kind == filters.kind)
    return within_days(query, LedgerEntry.created_at, filters.date_from, filters.date_to, tz)


def statement_page(affiliate_id: int, filters: StatementFilters, tz: str, currencies: list[str],
                   cursor: Cursor | None = None, per_page: int = PER_PAGE, order: Order = NEWEST) -> Window:
    """One window of the affiliate's entries in `order`; `currencies` are those they have (see currencies_of)."""
    shown = [filters.currency] if filters.currency else currencies
    split = (LedgerEntry.currency, shown) if len(shown) > 1 else None
    return window(LedgerEntry, matching(affiliate_id, filters, tz), cursor, per_page, order=order, split=split)


def due_dates(entries) -> dict[int, datetime]:
    """When each entry is or was available, by entry id; payout movements count at once and have none.

    A reversal is due when the commission it takes back is (as the balance counts it): those
    commissions are read in one statement by their unique key.
    """
    reversed_keys = {entry.id: f"commission:conv:{entry.conversion_id}" for entry in entries
                     if entry.kind == "reversal" and entry.conversion_id is not None}
    commission_due = {}
    if reversed_keys:
        commission_due = dict(db.session.execute(
            select(LedgerEntry.idempotency_key, LedgerEntry.available_at)
            .where(LedgerEntry.idempotency_key.in_(set(reversed_keys.values())))).all())
    return {entry.id: commission_due.get(reversed_keys.get(entry.id), entry.available_at) for entry in entries
            if entry.kind not in PAYOUT_KINDS}



def due_at_column():
    """`due_dates` as a column of a select over the entries (for the CSV file): a lookup per reversal only."""
    cancelled = aliased(LedgerEntry, name="cancelled_commission")
    cancelled_due = (select(cancelled.available_at)
                     .where(cancelled.idempotency_key == (
                         literal("commission:conv:", String) + cast(LedgerEntry.conversion_id, String)))
                     .scalar_subquery())
    return case((LedgerEntry.kind.in_(PAYOUT_KINDS), null()),
                (LedgerEntry.kind == "reversal", func.coalesce(cancelled_due, LedgerEntry.available_at)),
                else_=LedgerEntry.available_at).label("due_at")
