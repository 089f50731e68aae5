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

from sqlalchemy import String, case, cast, func, literal, not_, or_, select
from sqlalchemy.orm import aliased, joinedload, load_only

from app.extensions import db
from app.models.campaigns import Campaign
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
    """(a select over the affiliate's entries, the "is due by now" condition, the date each is due).

    A reversal is due when the commission it cancels is: that row is found by its unique key, read
    only for reversals (a lookup each) rather than joined to every entry of the ledger.
    """
    cancelled = aliased(LedgerEntry, name="cancelled_commission")
    cancelled_due = (select(cancelled.available_at)
                     .where(cancelled.idempotency_key == (
                         literal("commission:conv:", String) + cast(LedgerEntry.conversion_id, String)))
                     .scalar_subquery())
    due_at = case((LedgerEntry.kind == "reversal", func.coalesce(cancelled_due, LedgerEntry.available_at)),
                  else_=LedgerEntry.available_at)
    is_due = or_(LedgerEntry.kind.in_(PAYOUT_KINDS), due_at <= now)

    def query(*columns):
        q = select(*columns).select_from(LedgerEntry).where(LedgerEntry.affiliate_id == affiliate_id)
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
    # Grouped by whether each entry is due, so that condition is worked out once per entry.
    entries = query(LedgerEntry.currency, LedgerEntry.amount,
                    case((is_due, True), else_=False).label("is_due")).subquery()
    sums = (select(entries.c.currency, entries.c.is_due, func.sum(entries.c.amount), func.count())
            .group_by(entries.c.currency, entries.c.is_due))
    for currency, due, amount, count in db.session.execute(sums):
        b = get(currency)
        if due:
            b.available, b.available_count = int(amount), int(count)
        else:
            b.held, b.held_count = int(amount), int(count)

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
        select(Conversion).options(
            load_only(Conversion.created_at, Conversion.order_id, Conversion.commission,
                      Conversion.commission_reversed, Conversion.currency, Conversion.campaign_id),
            joinedload(Conversion.campaign).load_only(Campaign.name))
        .where(Conversion.affiliate_id == affiliate_id, Conversion.currency == b.currency,
               Conversion.status == "pending").order_by(Conversion.id.desc()).limit(limit)))
    mine = select(PayoutRequest).where(PayoutRequest.affiliate_id == affiliate_id,
                                       PayoutRequest.currency == b.currency)
    b.open_requests = list(db.session.scalars(
        mine.where(PayoutRequest.status.in_(OPEN_PAYOUT_STATUSES)).order_by(PayoutRequest.id.desc())))
    b.paid_requests = list(db.session.scalars(
        mine.where(PayoutRequest.status == "paid").order_by(PayoutRequest.id.desc()).limit(limit)))
