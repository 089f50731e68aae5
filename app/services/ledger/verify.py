"""Checking the books: every ledger entry against the conversion, refund or payout request behind it.

Expected, for each source:
- an approved or reversed conversion has one commission entry: its commission less what refunds
  took back before the approval; its commission and reversal entries add up to
  commission − commission_reversed; each refund made after the approval has one reversal entry of
  −commission_delta; pending and rejected conversions have no entries;
- a payout request has one reserve of −amount; a rejected, cancelled or failed one also one release
  of +amount, a paid or open one none;
- every entry has a source that exists, belonging to the same affiliate and currency;
- per affiliate and currency, the entries add up to approved commission − reversals − paid − open.

Sums are done by the database, a row per source at most; nothing is changed.
"""
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, cast, func, literal, or_, select

from app.extensions import db
from app.models.conversions import Conversion, Refund
from app.models.money import OPEN_PAYOUT_STATUSES, LedgerEntry, PayoutRequest
from app.services.ledger.owed import WRITE_OFF_KEY_PREFIX

RELEASED = ("rejected", "cancelled", "failed")
EARNED = ("approved", "reversed")


@dataclass
class Difference:
    affiliate_id: int | None
    currency: str | None
    expected: int | None
    found: int | None
    what: str

    def __str__(self) -> str:
        return (f"affiliate={self.affiliate_id} currency={self.currency} expected={self.expected} "
                f"found={self.found}: {self.what}")


@dataclass
class Report:
    differences: list[Difference] = field(default_factory=list)
    entries: int = 0
    balances: int = 0
    conversions: int = 0
    requests: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences

    def add(self, affiliate_id, currency, expected, found, what: str) -> None:
        self.differences.append(Difference(affiliate_id, currency, expected, found, what))

    def summary(self) -> str:
        return (f"{self.entries} ledger entries, {self.balances} balances, {self.conversions} conversions and "
                f"{self.requests} payout requests checked: {len(self.differences)} differences.")


def _sum_of(kind: str):
    return func.coalesce(func.sum(case((LedgerEntry.kind == kind, LedgerEntry.amount), else_=0)), 0)


def _count_of(kind: str):
    return func.coalesce(func.sum(case((LedgerEntry.kind == kind, 1), else_=0)), 0)


def _refund_key():
    """The idempotency key a refund's reversal entry carries: "reversal:refund:<id>"."""
    return literal("reversal:refund:", String) + cast(Refund.id, String)


def verify() -> Report:
    report = Report(entries=db.session.scalar(select(func.count()).select_from(LedgerEntry)))
    _check_orphans(report)
    _check_conversions(report)
    _check_refund_entries(report)
    _check_requests(report)
    _check_balances(report)
    return report


def _check_orphans(report: Report) -> None:
    """Entries whose source is missing, of the wrong kind, or another affiliate's or currency's."""
    orphans = (select(LedgerEntry.id, LedgerEntry.affiliate_id, LedgerEntry.currency, LedgerEntry.amount,
                      LedgerEntry.kind, Conversion.id, PayoutRequest.id)
               .outerjoin(Conversion, Conversion.id == LedgerEntry.conversion_id)
               .outerjoin(PayoutRequest, PayoutRequest.id == LedgerEntry.payout_request_id)
               .where(or_(
                   and_(LedgerEntry.kind.in_(("commission", "reversal")), Conversion.id.is_(None)),
                   and_(LedgerEntry.kind.in_(("payout_reserve", "payout_release")), PayoutRequest.id.is_(None)),
                   and_(Conversion.id.is_not(None), or_(Conversion.affiliate_id != LedgerEntry.affiliate_id,
                                                        Conversion.currency != LedgerEntry.currency)),
                   and_(PayoutRequest.id.is_not(None), or_(PayoutRequest.affiliate_id != LedgerEntry.affiliate_id,
                                                           PayoutRequest.currency != LedgerEntry.currency)),
               )).order_by(LedgerEntry.id))
    for entry_id, affiliate_id, currency, amount, kind, conversion_id, request_id in db.session.execute(orphans):
        if kind in ("commission", "reversal") and conversion_id is None:
            what = f"{kind} entry {entry_id} references no existing conversion"
        elif kind in ("payout_reserve", "payout_release") and request_id is None:
            what = f"{kind} entry {entry_id} references no existing payout request"
        else:
            what = f"{kind} entry {entry_id} belongs to another affiliate or currency than its source"
        report.add(affiliate_id, currency, None, amount, what)


def _check_conversions(report: Report) -> None:
    # Refunds that wrote no entry were made before the approval and already shrank the commission.
    refund_entry = select(LedgerEntry.id).where(
        LedgerEntry.idempotency_key == _refund_key()).exists()
    before_approval = (select(Refund.conversion_id, func.sum(Refund.commission_delta).label("delta"))
                       .where(~refund_entry).group_by(Refund.conversion_id).subquery())
    entries = (select(LedgerEntry.conversion_id, _count_of("commission").label("n_commission"),
                      _sum_of("commission").label("commission"), _sum_of("reversal").label("reversal"),
                      func.count().label("n"))
               .where(LedgerEntry.conversion_id.is_not(None)).group_by(LedgerEntry.conversion_id).subquery())
    rows = db.session.execute(
        select(Conversion.id, Conversion.affiliate_id, Conversion.currency, Conversion.status,
               Conversion.commission, Conversion.commission_reversed,
               func.coalesce(before_approval.c.delta, 0), func.coalesce(entries.c.n_commission, 0),
               func.coalesce(entries.c.commission, 0), func.coalesce(entries.c.reversal, 0),
               func.coalesce(entries.c.n, 0))
        .outerjoin(before_approval, before_approval.c.conversion_id == Conversion.id)
        .outerjoin(entries, entries.c.conversion_id == Conversion.id)
        .where(or_(Conversion.status.in_(EARNED), entries.c.n > 0)).order_by(Conversion.id))
    for (cid, affiliate_id, currency, status, commission, reversed_, pre, n_commission, credited, taken_back,
         n) in rows:
        report.conversions += 1
        if status not in EARNED:
            report.add(affiliate_id, currency, 0, int(n), f"conversion {cid} is {status} but has ledger entries")
            continue
        expected_credit = commission - int(pre)
        expected_count = 1 if expected_credit else 0
        if int(n_commission) != expected_count:
            report.add(affiliate_id, currency, expected_count, int(n_commission),
                       f"conversion {cid}: number of commission entries")
        if int(credited) != expected_credit:
            report.add(affiliate_id, currency, expected_credit, int(credited),
                       f"conversion {cid}: commission entry (commission less refunds before approval)")
        expected_reversal = -(reversed_ - int(pre))
        if int(taken_back) != expected_reversal:
            report.add(affiliate_id, currency, expected_reversal, int(taken_back),
                       f"conversion {cid}: reversal entries (−commission reversed after approval)")


def _check_refund_entries(report: Report) -> None:
    """Each refund's reversal entry takes back exactly its commission share, from its own conversion."""
    rows = db.session.execute(
        select(LedgerEntry.id, LedgerEntry.affiliate_id, LedgerEntry.currency, LedgerEntry.amount,
               LedgerEntry.conversion_id, LedgerEntry.idempotency_key, Refund.id, Refund.commission_delta,
               Refund.conversion_id)
        .outerjoin(Refund, LedgerEntry.idempotency_key == _refund_key())
        .where(LedgerEntry.idempotency_key.like("reversal:refund:%")).order_by(LedgerEntry.id))
    for entry_id, affiliate_id, currency, amount, conversion_id, _key, refund_id, delta, refund_conv in rows:
        if refund_id is None:
            report.add(affiliate_id, currency, None, amount, f"reversal entry {entry_id} references no existing refund")
        elif refund_conv != conversion_id:
            report.add(affiliate_id, currency, refund_conv, conversion_id,
                       f"reversal entry {entry_id}: conversion of refund {refund_id}")
        elif amount != -delta:
            report.add(affiliate_id, currency, -delta, amount, f"reversal entry {entry_id} of refund {refund_id}")


def _check_requests(report: Report) -> None:
    entries = (select(LedgerEntry.payout_request_id, _count_of("payout_reserve").label("n_reserve"),
                      _sum_of("payout_reserve").label("reserve"), _count_of("payout_release").label("n_release"),
                      _sum_of("payout_release").label("release"))
               .where(LedgerEntry.payout_request_id.is_not(None)).group_by(LedgerEntry.payout_request_id).subquery())
    rows = db.session.execute(
        select(PayoutRequest.id, PayoutRequest.affiliate_id, PayoutRequest.currency, PayoutRequest.status,
               PayoutRequest.amount, func.coalesce(entries.c.n_reserve, 0), func.coalesce(entries.c.reserve, 0),
               func.coalesce(entries.c.n_release, 0), func.coalesce(entries.c.release, 0))
        .outerjoin(entries, entries.c.payout_request_id == PayoutRequest.id).order_by(PayoutRequest.id))
    for rid, affiliate_id, currency, status, amount, n_reserve, reserve, n_release, release in rows:
        report.requests += 1
        expected_release = amount if status in RELEASED else 0
        checks = (
            (1, int(n_reserve), "number of reserve entries"),
            (-amount, int(reserve), "reserve entry (−amount)"),
            (1 if expected_release else 0, int(n_release), f"number of release entries ({status})"),
            (expected_release, int(release), f"release entry ({status})"),
        )
        for expected, found, what in checks:
            if expected != found:
                report.add(affiliate_id, currency, expected, found, f"payout request {rid}: {what}")


def _check_balances(report: Report) -> None:
    """Per affiliate and currency: the entries' sum against what the sources say is owed."""
    expected: dict[tuple[int, str], int] = defaultdict(int)
    earned = (select(Conversion.affiliate_id, Conversion.currency,
                     func.sum(Conversion.commission - Conversion.commission_reversed))
              .where(Conversion.status.in_(EARNED)).group_by(Conversion.affiliate_id, Conversion.currency))
    for affiliate_id, currency, amount in db.session.execute(earned):
        expected[(affiliate_id, currency)] += int(amount)
    spent = (select(PayoutRequest.affiliate_id, PayoutRequest.currency, func.sum(PayoutRequest.amount))
             .where(PayoutRequest.status.in_(("paid", *OPEN_PAYOUT_STATUSES)))
             .group_by(PayoutRequest.affiliate_id, PayoutRequest.currency))
    for affiliate_id, currency, amount in db.session.execute(spent):
        expected[(affiliate_id, currency)] -= int(amount)
    # An admin's write-off of a negative balance is its own source (audited, made by ledger.owed); any
    # other adjustment is unexplained and shows as a difference.
    adjusted = (select(LedgerEntry.affiliate_id, LedgerEntry.currency, func.sum(LedgerEntry.amount))
                .where(LedgerEntry.kind == "adjustment",
                       LedgerEntry.idempotency_key.startswith(WRITE_OFF_KEY_PREFIX, autoescape=True))
                .group_by(LedgerEntry.affiliate_id, LedgerEntry.currency))
    for affiliate_id, currency, amount in db.session.execute(adjusted):
        expected[(affiliate_id, currency)] += int(amount)
    found: dict[tuple[int, str], int] = {}
    sums = (select(LedgerEntry.affiliate_id, LedgerEntry.currency, func.sum(LedgerEntry.amount))
            .group_by(LedgerEntry.affiliate_id, LedgerEntry.currency))
    for affiliate_id, currency, amount in db.session.execute(sums):
        found[(affiliate_id, currency)] = int(amount)
    keys = sorted(set(expected) | set(found))
    report.balances = len(keys)
    for key in keys:
        want, got = expected.get(key, 0), found.get(key, 0)
        if want != got:
            report.add(key[0], key[1], want, got,
                       "balance: sum of entries vs approved commission − reversals − paid − open requests "
                       "+ write-offs")
