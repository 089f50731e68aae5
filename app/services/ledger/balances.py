"""An affiliate's money per currency, summed from the append-only ledger by the database.

- pending: commission of conversions not yet approved, plus approved commission still in its hold
  period (ledger entries not yet due);
- available: ledger entries due by `now` — commission past its hold, minus reversals, minus what
  open and paid requests reserved, plus what rejected, cancelled and failed requests released;
- in payment: open requests (requested, approved, processing);
- paid: requests paid to date, less what came back from reversed Stripe transfers.

A reversal counts when the commission it takes back counts: during the hold it lowers pending,
after it available — whatever date the reversal itself carries. So a refund of a commission still
on hold can never push available down early, and a refund after payment makes available negative
until new commission nets it off. Payout reserves and releases count at once.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, and_, case, cast, func, literal, not_, or_, select
from sqlalchemy.orm import aliased, selectinload

from app.extensions import db
from app.models.common import utcnow
from app.models.conversions import Conversion
from app.models.money import OPEN_PAYOUT_STATUSES, LedgerEntry, PayoutRequest

PAYOUT_KINDS = ("payout_reserve", "payout_release")
ENTRY_LIMIT = 50


@dataclass
class Balance:
    currency: str
    unapproved: int = 0  # commission of conversions still waiting for a decision
    held: int = 0  # approved commission (net of its reversals) still in the hold period
    available: int = 0
    in_payment: int = 0
    paid: int = 0
    held_count: int = 0
    available_count: int = 0
    # The rows behind each figure, newest first, at most ENTRY_LIMIT each (filled on request);
    # ledger rows come as (entry, when it is or was due).
    held_entries: list = field(default_factory=list)
    available_entries: list = field(default_factory=list)
    unapproved_conversions: list = field(default_factory=list)
    open_requests: list = field(default_factory=list)
    paid_requests: list = field(default_factory=list)

    @property
    def pending(self) -> int:
        return self.unapproved + self.held

    @property
    def total(self) -> int:
        """The sum of every ledger entry: what the affiliate is owed, due or not."""
        return self.held + self.available


def _entries(affiliate_id: int, now: datetime, currency: str | None = None):
    """(a select over the affiliate's entries, the "is due by now" condition, the date each is due)."""
    cancelled = aliased(LedgerEntry, name="cancelled_commission")
    due_at = case((cancelled.id.is_not(None), cancelled.available_at), else_=LedgerEntry.available_at)
    is_due = or_(LedgerEntry.kind.in_(PAYOUT_KINDS), due_at <= now)

    def query(*columns):
        q = (select(*columns).select_from(LedgerEntry)
             # Joined by its unique key, so each reversal meets at most one commission row.
             .outerjoin(cancelled, and_(LedgerEntry.kind == "reversal", cancelled.idempotency_key == (
                 literal("commission:conv:", String) + cast(LedgerEntry.conversion_id, String))))
             .where(LedgerEntry.affiliate_id == affiliate_id))
        return q if currency is None else q.where(LedgerEntry.currency == currency)

    return query, is_due, due_at


def available(affiliate_id: int, currency: str, now: datetime | None = None) -> int:
    """What the affiliate may request in `currency` now (negative while a reversal is being netted off)."""
    query, is_due, _due_at = _entries(affiliate_id, now or utcnow(), currency)
    return int(db.session.scalar(query(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(is_due)))


def for_affiliate(affiliate_id: int, now: datetime | None = None, *, with_entries: bool = False,
                  limit: int = ENTRY_LIMIT) -> dict[str, Balance]:
    """Every currency the affiliate has money or requests in, as {currency: Balance}."""
    now = now or utcnow()
    balances: dict[str, Balance] = {}

    def get(currency: str) -> Balance:
        return balances.setdefault(currency, Balance(currency))

    query, is_due, _due_at = _entries(affiliate_id, now)
    sums = query(LedgerEntry.currency,
                 func.sum(case((is_due, LedgerEntry.amount), else_=0)),
                 func.sum(case((is_due, 0), else_=LedgerEntry.amount)),
                 func.sum(case((is_due, 1), else_=0)),
                 func.sum(case((is_due, 0), else_=1))).group_by(LedgerEntry.currency)
    for currency, due, held, due_count, held_count in db.session.execute(sums):
        b = get(currency)
        b.available, b.held, b.available_count, b.held_count = int(due), int(held), int(due_count), int(held_count)

    unapproved = (select(Conversion.currency, func.sum(Conversion.commission - Conversion.commission_reversed))
                  .where(Conversion.affiliate_id == affiliate_id, Conversion.status == "pending")
                  .group_by(Conversion.currency))
    for currency, amount in db.session.execute(unapproved):
        get(currency).unapproved = int(amount)

    is_open = PayoutRequest.status.in_(OPEN_PAYOUT_STATUSES)
    requests = (select(PayoutRequest.currency,
                       func.sum(case((is_open, PayoutRequest.amount), else_=0)),
                       func.sum(case((PayoutRequest.status.in_(("paid", "reversed")),
                                      PayoutRequest.amount - PayoutRequest.reversed_amount), else_=0)))
                .where(PayoutRequest.affiliate_id == affiliate_id).group_by(PayoutRequest.currency))
    for currency, open_amount, paid in db.session.execute(requests):
        b = get(currency)
        b.in_payment, b.paid = int(open_amount), int(paid)

    if with_entries:
        for b in balances.values():
            _fill_entries(affiliate_id, b, now, limit)
    return dict(sorted(balances.items()))


def _fill_entries(affiliate_id: int, b: Balance, now: datetime, limit: int) -> None:
    query, is_due, due_at = _entries(affiliate_id, now, b.currency)
    entries = query(LedgerEntry, due_at.label("due_at")).order_by(LedgerEntry.id.desc()).limit(limit)
    b.available_entries = [tuple(row) for row in db.session.execute(entries.where(is_due))]
    b.held_entries = [tuple(row) for row in db.session.execute(entries.where(not_(is_due)))]
    b.unapproved_conversions = list(db.session.scalars(
        select(Conversion).options(selectinload(Conversion.campaign))
        .where(Conversion.affiliate_id == affiliate_id, Conversion.currency == b.currency,
               Conversion.status == "pending").order_by(Conversion.id.desc()).limit(limit)))
    mine = select(PayoutRequest).where(PayoutRequest.affiliate_id == affiliate_id,
                                       PayoutRequest.currency == b.currency)
    b.open_requests = list(db.session.scalars(
        mine.where(PayoutRequest.status.in_(OPEN_PAYOUT_STATUSES)).order_by(PayoutRequest.id.desc())))
    b.paid_requests = list(db.session.scalars(
        mine.where(PayoutRequest.status == "paid").order_by(PayoutRequest.id.desc()).limit(limit)))
