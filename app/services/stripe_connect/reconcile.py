"""Comparing Stripe's transfers with our payout requests and ledger, over the last N days.

Read-only. Every transfer Stripe made in the window is matched to the payout request it names; every
Stripe payout request paid in the window is matched to its transfer (fetched by id when it is older than
the window). Reported: transfers naming no request or a missing one, several transfers for one request,
a transfer for a request that is not paid here (or paid with another transfer), differences of amount,
currency, destination or reversed amount, paid requests without a transfer in Stripe, and payout
requests whose ledger entries do not add up to what their status says.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import stripe
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select

from app.extensions import db
from app.labels import label
from app.models.common import utcnow
from app.models.money import LedgerEntry, PayoutRequest
from app.money import format_money, from_stripe_units
from app.services.stripe_connect import client, transfers
from app.services.stripe_connect.errors import StripeUnavailable

PAID = ("paid", "reversed")
DAYS_MAX = 365


@dataclass
class Difference:
    what: object  # a lazily translated text: read in the language of whoever reads it
    request_id: int | None = None
    transfer_id: str | None = None

    def __str__(self) -> str:
        where = " ".join(filter(None, (f"request={self.request_id}" if self.request_id else None,
                                       f"transfer={self.transfer_id}" if self.transfer_id else None)))
        return f"{where}: {self.what}" if where else str(self.what)


@dataclass
class Report:
    days: int
    since: datetime
    transfers: int = 0
    requests: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def add(self, what, request_id: int | None = None, transfer_id: str | None = None) -> None:
        self.differences.append(Difference(what, request_id, transfer_id))

    def summary(self) -> str:
        return (f"{self.transfers} Stripe transfers and {self.requests} payout requests of the last {self.days} days "
                f"checked: {len(self.differences)} differences.")


def compare(days: int = 30, now: datetime | None = None) -> Report:
    days = max(1, min(int(days), DAYS_MAX))
    since = (now or utcnow()) - timedelta(days=days)
    report = Report(days, since)
    by_request: dict[int, list[dict]] = defaultdict(list)
    try:
        listing = client.client().v1.transfers.list(
            {"created": {"gte": int(since.replace(tzinfo=UTC).timestamp())}, "limit": 100})
        for transfer in listing.auto_paging_iter():
            transfer = transfer.to_dict()
            report.transfers += 1
            request_id = transfers.request_id_of(transfer)
            if request_id is None:
                report.add(_l("a transfer of %(amount)s %(currency)s to %(destination)s names no payout request",
                              amount=transfer.get("amount"), currency=str(transfer.get("currency")).upper(),
                              destination=transfer.get("destination")), transfer_id=transfer.get("id"))
            else:
                by_request[request_id].append(transfer)
        requests = _requests(since, by_request)
        for request in requests:
            if request.id not in by_request and request.status in PAID and request.stripe_transfer_id:
                found = _fetch(request.stripe_transfer_id)
                if found is not None:
                    by_request[request.id].append(found)
    except stripe.StripeError as exc:
        raise StripeUnavailable() from exc
    report.requests = len(requests)
    known = {r.id: r for r in requests}
    for request_id, made in sorted(by_request.items()):
        request = known.get(request_id)
        if request is None:
            report.add(_l("Stripe has a transfer for a payout request we do not have"), request_id,
                       made[0].get("id"))
            continue
        _compare_one(report, request, made)
    for request in requests:
        if request.status in PAID and request.id not in by_request:
            report.add(_l("paid with Stripe transfer %(transfer)s, which Stripe does not have",
                          transfer=request.stripe_transfer_id or "-"), request.id, request.stripe_transfer_id)
    _check_ledger(report, requests)
    return report


def _money(amount: int | None, currency: str) -> str:
    return format_money(amount, currency) if amount is not None else "?"


def _requests(since: datetime, by_request) -> list[PayoutRequest]:
    return list(db.session.scalars(select(PayoutRequest).where(
        PayoutRequest.method == "stripe",
        or_(PayoutRequest.paid_at >= since, PayoutRequest.id.in_(list(by_request))))
        .order_by(PayoutRequest.id)))


def _fetch(transfer_id: str) -> dict | None:
    try:
        return client.client().v1.transfers.retrieve(transfer_id).to_dict()
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            return None
        raise


def _compare_one(report: Report, request: PayoutRequest, made: list[dict]) -> None:
    if len(made) > 1:
        report.add(_l("%(count)d transfers for one payout request: %(transfers)s", count=len(made),
                      transfers=", ".join(t["id"] for t in made)), request.id)
    transfer = made[-1]
    if request.status not in PAID:
        report.add(_l("Stripe made this transfer but the request is %(status)s here",
                      status=label(request.status).lower()), request.id, transfer["id"])
        return
    if request.stripe_transfer_id != transfer["id"]:
        report.add(_l("recorded as transfer %(ours)s, Stripe's is %(theirs)s", ours=request.stripe_transfer_id or "-",
                      theirs=transfer["id"]), request.id, transfer["id"])
    problem = transfers.mismatch(request, transfer)
    if problem:
        report.add(_l("Stripe's transfer differs: %(problem)s", problem=problem), request.id, transfer["id"])
    reversed_there = from_stripe_units(transfer.get("amount_reversed") or 0, request.currency)
    if reversed_there != (request.reversed_amount or 0):
        report.add(_l("%(there)s reversed in Stripe, %(here)s here", there=_money(reversed_there, request.currency),
                      here=_money(request.reversed_amount or 0, request.currency)), request.id, transfer["id"])


def _check_ledger(report: Report, requests: list[PayoutRequest]) -> None:
    """Each request holds −amount in reserve; its releases give back what failed, was reversed or refused."""
    ids = [r.id for r in requests]
    if not ids:
        return
    sums = {row[0]: (int(row[1]), int(row[2])) for row in db.session.execute(
        select(LedgerEntry.payout_request_id,
               func.coalesce(func.sum(case((LedgerEntry.kind == "payout_reserve", LedgerEntry.amount), else_=0)), 0),
               func.coalesce(func.sum(case((LedgerEntry.kind == "payout_release", LedgerEntry.amount), else_=0)), 0))
        .where(LedgerEntry.payout_request_id.in_(ids)).group_by(LedgerEntry.payout_request_id))}
    for request in requests:
        reserved, released = sums.get(request.id, (0, 0))
        released_all = request.status in ("failed", "rejected", "cancelled")
        back = request.amount if released_all else (request.reversed_amount or 0)
        if reserved != -request.amount or released != back:
            report.add(_l("ledger: %(reserved)s reserved and %(released)s released, expected %(want_reserved)s and "
                          "%(want_released)s for a request that is %(status)s",
                          reserved=_money(reserved, request.currency), released=_money(released, request.currency),
                          want_reserved=_money(-request.amount, request.currency),
                          want_released=_money(back, request.currency), status=label(request.status).lower()),
                       request.id)
