"""Reading payout requests for the admin queue and detail page (no writes).

Date filters take calendar days in the reader's timezone, both included, turned into naive UTC
bounds of `requested_at` here.
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.money import PAYOUT_STATUSES, LedgerEntry, PayoutRequest
from app.models.users import User
from app.services.common.lists import Page, paginate, within_days
from app.services.common.sorting import Sort, Sorts

PER_PAGE = 25
# The default puts requests waiting for a decision first, oldest first: they are the work to do. Amounts
# are compared within a currency only.
QUEUE_SORTS = Sorts({"waiting": ((PayoutRequest.status != "requested"), PayoutRequest.requested_at),
                     "reference": (), "affiliate": (func.lower(User.name),),
                     "amount": (PayoutRequest.currency.asc(), PayoutRequest.amount),
                     "method": (PayoutRequest.method,), "requested": (PayoutRequest.requested_at,),
                     "status": (PayoutRequest.status,)},
                    default="waiting", tie=PayoutRequest.id, descending=False)


@dataclass
class PayoutFilters:
    status: str | None = None
    method: str | None = None
    currency: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class CurrencyTotal:
    currency: str
    count: int
    amount: int


@dataclass
class Totals:
    count: int
    by_currency: list[CurrencyTotal]


def matching(query, filters: PayoutFilters, tz: str):
    """`query` kept to the payout requests matching `filters` (dates: days in zone `tz`)."""
    if filters.status:
        query = query.where(PayoutRequest.status == filters.status)
    if filters.method:
        query = query.where(PayoutRequest.method == filters.method)
    if filters.currency:
        query = query.where(PayoutRequest.currency == filters.currency)
    query = within_days(query, PayoutRequest.requested_at, filters.date_from, filters.date_to, tz)
    return query


def queue_page(filters: PayoutFilters, tz: str, page: int = 1, sort: Sort = QUEUE_SORTS.read({})) -> Page:
    """Payout requests matching `filters`, sorted by `sort` (by default those waiting first, oldest first)."""
    query = (matching(select(PayoutRequest).join(User, User.id == PayoutRequest.affiliate_id), filters, tz)
             .order_by(*QUEUE_SORTS.order_by(sort)))
    return paginate(query, page, PER_PAGE, (selectinload(PayoutRequest.affiliate),))


@dataclass(frozen=True)
class BulkActions:
    """What the queue's bulk bar can do for the requests in view: approve waiting ones, pay Stripe ones now."""

    approve: bool
    pay_now: bool

    @property
    def any(self) -> bool:
        return self.approve or self.pay_now


def bulk_actions(request_ids: list[int], stripe_enabled: bool) -> BulkActions:
    """The bulk actions still open over these requests (one query); paying now needs Stripe set up."""
    waiting = PayoutRequest.status == "requested"
    queued = (PayoutRequest.status == "approved") & (PayoutRequest.method == "stripe")
    query = select(func.count().filter(waiting), func.count().filter(queued)).where(
        PayoutRequest.id.in_(request_ids or [-1]), or_(waiting, queued))
    waiting_count, queued_count = db.session.execute(query).one()
    return BulkActions(approve=waiting_count > 0, pay_now=stripe_enabled and queued_count > 0)


def totals(filters: PayoutFilters, tz: str) -> Totals:
    """How many requests match `filters`, and their count and sum per currency."""
    query = matching(select(PayoutRequest.currency, func.count(PayoutRequest.id), func.sum(PayoutRequest.amount)),
                   filters, tz).group_by(PayoutRequest.currency).order_by(PayoutRequest.currency)
    by_currency = [CurrencyTotal(currency, int(count), int(amount or 0))
                   for currency, count, amount in db.session.execute(query)]
    return Totals(count=sum(t.count for t in by_currency), by_currency=by_currency)


def currencies() -> list[str]:
    """Currencies that payout requests exist in, for the filter."""
    return list(db.session.scalars(select(PayoutRequest.currency).distinct().order_by(PayoutRequest.currency)))


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(PayoutRequest.status, func.count()).group_by(PayoutRequest.status))
    counts = {status: 0 for status in PAYOUT_STATUSES}
    counts.update({status: int(n) for status, n in rows})
    return counts


def approved_for_export() -> list[PayoutRequest]:
    """Approved requests paid by hand, in the order the bank file lists them (oldest first); Stripe payouts
    are the Stripe runs' to pay."""
    return list(db.session.scalars(
        select(PayoutRequest).options(selectinload(PayoutRequest.affiliate))
        .where(PayoutRequest.status == "approved", PayoutRequest.method != "stripe")
        .order_by(PayoutRequest.requested_at, PayoutRequest.id)))


@dataclass
class Step:
    at: datetime
    status: str
    actor: User | None
    note: str | None = None


@dataclass
class PayoutDetail:
    request: PayoutRequest
    events: list
    ledger: list
    timeline: list[Step]
    decided_by: User | None
    paid_by: User | None


def _note_of(event: AuditEvent) -> str | None:
    after = event.after or {}
    for key in ("reason", "failed_reason", "reject_reason", "transaction_id"):
        if after.get(key):
            return str(after[key])
    return None


def timeline(request: PayoutRequest, events: list) -> list[Step]:
    """The request's statuses in order: its creation, then every audited change of status."""
    steps = [Step(request.requested_at, "requested", request.affiliate)]
    for event in events:
        before, after = event.before or {}, event.after or {}
        status = after.get("status")
        if status and status != before.get("status") and status != "requested":
            steps.append(Step(event.created_at, status, event.actor, _note_of(event)))
    return steps


def detail(request: PayoutRequest) -> PayoutDetail:
    """Everything about one request an admin sees: audit events, ledger movements, the timeline."""
    events = list(db.session.scalars(
        select(AuditEvent).options(selectinload(AuditEvent.actor))
        .where(AuditEvent.object_type == PayoutRequest.__tablename__, AuditEvent.object_id == str(request.id))
        .order_by(AuditEvent.created_at, AuditEvent.id)))
    ledger = list(db.session.scalars(select(LedgerEntry).where(LedgerEntry.payout_request_id == request.id)
                                     .order_by(LedgerEntry.id)))
    return PayoutDetail(
        request=request, events=events, ledger=ledger, timeline=timeline(request, events),
        decided_by=db.session.get(User, request.decided_by_id) if request.decided_by_id else None,
        paid_by=db.session.get(User, request.paid_by_id) if request.paid_by_id else None)
