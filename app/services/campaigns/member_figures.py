"""A campaign's members a page at a time, with each affiliate's clicks, conversions and commission for a period.

The figures come from the affiliates' daily rollup (plus the rows above its watermarks), read through
its (campaign, day) index: a page costs the same whatever number of clicks the campaign ever had.
Sorting by a figure ranks every member of the status by it first (one grouped read), then loads the
page's memberships.
"""
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.campaigns import Membership
from app.models.common import utcnow
from app.models.users import User
from app.services.analytics.exports import amount, cell, csv_chunks
from app.services.analytics.periods import Period
from app.services.analytics.reader import Reader
from app.services.analytics.scope import Filters, Scope
from app.services.analytics.sql import local_day_of
from app.services.common.lists import Page, paginate

PER_PAGE = 50
PERIODS = (7, 30, 90, 365)
DEFAULT_DAYS = 30
SORTS = ("recent", "name", "clicks", "conversions", "commission")
FIGURE_SORTS = ("clicks", "conversions", "commission")
MEASURES = ("unique_clicks", "conversions", "rejected", "commission")


@dataclass
class MemberRow:
    membership: Membership
    clicks: int = 0
    conversions: int = 0
    # currency -> minor units: commission of the period's conversions still pending or approved
    commission: dict[str, int] = field(default_factory=dict)

    @property
    def commission_total(self) -> int:
        return sum(self.commission.values())


@dataclass(frozen=True)
class MemberListing:
    status: str
    days: int = DEFAULT_DAYS
    sort: str = "recent"
    descending: bool = True
    page: int = 1


def period_of(days: int, zone_name: str) -> Period:
    today = local_day_of(utcnow(), zone_name)
    return Period(today - timedelta(days=days - 1), today)


def _figures(campaign_id: int, period: Period, zone_name: str, affiliate_ids=None) -> dict[int, dict]:
    return figures_by_affiliate(Scope("admin", 0), period, zone_name, affiliate_ids, campaign_id=campaign_id)


def figures_by_affiliate(scope: Scope, period: Period, zone_name: str, affiliate_ids=None,
                         campaign_id: int | None = None) -> dict[int, dict]:
    """{affiliate id: clicks, conversions (not rejected), commission by currency} over the period, from the
    rollups, within `scope` (and one campaign, or some affiliates, when given)."""
    only = {} if campaign_id is None else {"campaign_id": campaign_id}
    if affiliate_ids is not None:
        only["affiliate_id"] = list(affiliate_ids) or [-1]
    with Reader(scope, Filters(currency=None), zone_name) as reader:
        grouped = reader.grouped(("affiliate_id", "currency"), period, MEASURES, only=only or None)
    figures: dict[int, dict] = {}
    for (affiliate_id, currency), values in grouped.items():
        mine = figures.setdefault(affiliate_id, {"clicks": 0, "conversions": 0, "commission": {}})
        mine["clicks"] += values["unique_clicks"]
        mine["conversions"] += values["conversions"] - values["rejected"]
        if values["commission"]:
            mine["commission"][currency] = values["commission"]
    return figures


def _row(membership: Membership, figures: dict) -> MemberRow:
    mine = figures.get(membership.affiliate_id, {})
    return MemberRow(membership, mine.get("clicks", 0), mine.get("conversions", 0), mine.get("commission", {}))


def _with_people(query):
    return query.options(selectinload(Membership.affiliate).selectinload(User.affiliate_profile),
                         selectinload(Membership.campaign), selectinload(Membership.decided_by))


def _figure_key(sort: str, figures: dict):
    def key(affiliate_id: int) -> int:
        mine = figures.get(affiliate_id, {})
        return sum(mine.get("commission", {}).values()) if sort == "commission" else mine.get(sort, 0)
    return key


def members_page(campaign_id: int, listing: MemberListing, zone_name: str) -> tuple[Page, Period]:
    """One page of the campaign's memberships in `listing.status`, as MemberRow items, and the period."""
    period = period_of(listing.days, zone_name)
    base = select(Membership).where(Membership.campaign_id == campaign_id, Membership.status == listing.status)
    recent = (func.coalesce(Membership.decided_at, Membership.created_at), Membership.id)
    if listing.sort in FIGURE_SORTS:
        figures = _figures(campaign_id, period, zone_name)
        members = db.session.execute(base.with_only_columns(Membership.id, Membership.affiliate_id)
                                     .order_by(*(column.desc() for column in recent))).all()
        key = _figure_key(listing.sort, figures)
        ranked = sorted(members, key=lambda member: key(member.affiliate_id), reverse=listing.descending)
        total = len(ranked)
        page = min(max(listing.page, 1), max(1, -(-total // PER_PAGE)))
        chosen = [member.id for member in ranked[(page - 1) * PER_PAGE:page * PER_PAGE]]
        loaded = {m.id: m for m in db.session.scalars(_with_people(select(Membership).where(
            Membership.id.in_(chosen or [-1]))))}
        return Page([_row(loaded[i], figures) for i in chosen], page, total, PER_PAGE), period
    if listing.sort == "name":
        order = (User.name.desc(), Membership.id.desc()) if listing.descending else (User.name, Membership.id)
        query = base.join(User, User.id == Membership.affiliate_id).order_by(*order)
    else:
        order = [column.desc() if listing.descending else column.asc() for column in recent]
        query = base.order_by(*order)
    result = paginate(_with_people(query), listing.page, PER_PAGE)
    figures = _figures(campaign_id, period, zone_name, {m.affiliate_id for m in result.items})
    result.items = [_row(membership, figures) for membership in result.items]
    return result, period


def member_row(membership: Membership, days: int, zone_name: str) -> MemberRow:
    """One member's row again (after a decision on it), with the figures of the same period."""
    return _row(membership, _figures(membership.campaign_id, period_of(days, zone_name), zone_name,
                                     [membership.affiliate_id]))


EXPORT_COLUMNS = ["affiliate_email", "affiliate_name", "status", "since_utc", "period_start", "period_end", "clicks",
                  "conversions", "currency", "commission"]


def export_csv(campaign_id: int, listing: MemberListing, zone_name: str) -> Iterator[str]:
    """Every member of the status with the period's figures, as CSV (amounts in the currency's units)."""
    period = period_of(listing.days, zone_name)
    figures = _figures(campaign_id, period, zone_name)
    members = db.session.execute(
        select(User.email, User.name, Membership.status, Membership.affiliate_id,
               func.coalesce(Membership.decided_at, Membership.created_at).label("since"))
        .join(User, User.id == Membership.affiliate_id)
        .where(Membership.campaign_id == campaign_id, Membership.status == listing.status)
        .order_by(User.name, Membership.id)).all()

    def rows():
        for member in members:
            mine = figures.get(member.affiliate_id, {})
            common = [cell(member.email), cell(member.name), member.status, member.since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                      period.start.isoformat(), period.end.isoformat(), mine.get("clicks", 0),
                      mine.get("conversions", 0)]
            commission = mine.get("commission") or {}
            for currency, value in sorted(commission.items()) or [("", None)]:
                yield [*common, currency, amount(value, currency) if currency else ""]

    return csv_chunks(EXPORT_COLUMNS, rows())
