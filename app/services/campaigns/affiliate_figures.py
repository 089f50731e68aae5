"""The affiliates a reviewer works with, across all their campaigns, with each one's figures for a period.

An admin sees every affiliate account: its status is the account's (active or disabled), joined is
when the account was made. A merchant sees the affiliates with a membership in one of their own
campaigns: the status is the best standing there (approved, else pending, else rejected, else
removed), joined is their first membership there. Clicks, conversions and commission per currency
come from the daily rollups (plus the rows above their watermarks), kept to the reviewer's campaigns,
in one grouped read for the page's affiliates, or for all of them when sorting by a figure or
exporting. An export then reads its rows a chunk of affiliates at a time.
"""
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import case, func, literal, or_, select

from app.extensions import db
from app.models.campaigns import Campaign, Membership
from app.models.users import User
from app.services.analytics.exports import amount, cell, csv_chunks
from app.services.analytics.periods import Period
from app.services.analytics.scope import Scope
from app.services.campaigns.member_figures import DEFAULT_DAYS, figures_by_affiliate, period_of
from app.services.common.lists import Page, paginate

PER_PAGE = 50
CHUNK = 500
SORTS = ("recent", "name", "clicks", "conversions", "commission")
FIGURE_SORTS = ("clicks", "conversions", "commission")
ACCOUNT_STATUSES = ("active", "disabled")
# A merchant's affiliate's standing across the merchant's campaigns, best first.
STANDINGS = ("approved", "pending", "rejected", "removed")


@dataclass(frozen=True)
class AffiliateListing:
    q: str | None = None  # part of the name or email
    status: str | None = None
    days: int = DEFAULT_DAYS
    sort: str = "recent"
    descending: bool = True
    page: int = 1


@dataclass
class AffiliateRow:
    affiliate_id: int
    name: str
    email: str
    joined: object
    status: str
    campaigns: int  # campaigns (of the reviewer's) the affiliate is approved in
    clicks: int = 0
    conversions: int = 0
    # currency -> minor units: commission of the period's conversions still pending or approved
    commission: dict[str, int] = field(default_factory=dict)


def statuses_for(role: str) -> tuple[str, ...]:
    return ACCOUNT_STATUSES if role == "admin" else STANDINGS


def _scope(reviewer: User) -> tuple[Scope, list[int] | None]:
    if reviewer.role == "admin":
        return Scope("admin", reviewer.id), None
    ids = list(db.session.scalars(select(Campaign.id).where(Campaign.merchant_id == reviewer.id)))
    return Scope("merchant", reviewer.id, tuple(ids or [-1])), ids


def _rows_query(listing: AffiliateListing, campaign_ids: list[int] | None):
    """One row per affiliate the reviewer may see, matching the listing's search and status."""
    rank = case({status: number for number, status in enumerate(STANDINGS)}, value=Membership.status)
    grouped = select(Membership.affiliate_id, func.min(Membership.created_at).label("first_joined"),
                     func.min(rank).label("standing"),
                     func.sum(case((Membership.status == "approved", 1), else_=0)).label("approved"))
    if campaign_ids is not None:
        grouped = grouped.where(Membership.campaign_id.in_(campaign_ids or [-1]))
    memberships = grouped.group_by(Membership.affiliate_id).subquery()
    approved = func.coalesce(memberships.c.approved, 0).label("campaigns")
    if campaign_ids is None:
        status = case((User.is_disabled.is_(True), literal("disabled")), else_=literal("active")).label("status")
        joined = User.created_at.label("joined")
        query = (select(User.id, User.name, User.email, joined, status, approved)
                 .outerjoin(memberships, memberships.c.affiliate_id == User.id).where(User.role == "affiliate"))
        if listing.status in ACCOUNT_STATUSES:
            query = query.where(User.is_disabled.is_(listing.status == "disabled"))
    else:
        status = case({number: literal(name) for number, name in enumerate(STANDINGS)},
                      value=memberships.c.standing).label("status")
        joined = memberships.c.first_joined.label("joined")
        query = select(User.id, User.name, User.email, joined, status, approved).join(
            memberships, memberships.c.affiliate_id == User.id)
        if listing.status in STANDINGS:
            query = query.where(memberships.c.standing == STANDINGS.index(listing.status))
    if listing.q and listing.q.strip():
        term = listing.q.strip().lower()
        query = query.where(or_(func.lower(User.email).contains(term, autoescape=True),
                                func.lower(User.name).contains(term, autoescape=True)))
    if listing.sort == "name":
        order = (User.name.desc(), User.id.desc()) if listing.descending else (User.name.asc(), User.id.asc())
    else:
        order = (joined.desc(), User.id.desc()) if listing.descending else (joined.asc(), User.id.asc())
    return query.order_by(*order)


def _row(found, figures: dict) -> AffiliateRow:
    mine = figures.get(found.id, {})
    return AffiliateRow(found.id, found.name, found.email, found.joined, found.status, int(found.campaigns or 0),
                        mine.get("clicks", 0), mine.get("conversions", 0), mine.get("commission", {}))


def _ranked_ids(query, listing: AffiliateListing, figures: dict) -> list[int]:
    """Every matching affiliate's id, ordered as the listing asks (by a figure: ranked here)."""
    ids = list(db.session.scalars(query.with_only_columns(User.id)))
    if listing.sort not in FIGURE_SORTS:
        return ids

    def key(affiliate_id: int) -> int:
        mine = figures.get(affiliate_id, {})
        return sum(mine.get("commission", {}).values()) if listing.sort == "commission" else mine.get(listing.sort, 0)

    return sorted(ids, key=key, reverse=listing.descending)


def _rows_of(query, ids: list[int], figures: dict) -> list[AffiliateRow]:
    found = {row.id: row for row in db.session.execute(query.where(User.id.in_(ids or [-1])).order_by(None))}
    return [_row(found[i], figures) for i in ids if i in found]


def affiliates_page(reviewer: User, listing: AffiliateListing, zone_name: str) -> tuple[Page, Period]:
    """One page of the reviewer's affiliates as AffiliateRow items, and the period of their figures."""
    period = period_of(listing.days, zone_name)
    scope, campaign_ids = _scope(reviewer)
    query = _rows_query(listing, campaign_ids)
    if listing.sort in FIGURE_SORTS:
        figures = figures_by_affiliate(scope, period, zone_name)
        ranked = _ranked_ids(query, listing, figures)
        total = len(ranked)
        number = min(max(listing.page, 1), max(1, -(-total // PER_PAGE)))
        chosen = ranked[(number - 1) * PER_PAGE:number * PER_PAGE]
        return Page(_rows_of(query, chosen, figures), number, total, PER_PAGE), period
    page = paginate(query, listing.page, PER_PAGE, rows=True)
    figures = figures_by_affiliate(scope, period, zone_name, [row.id for row in page.items])
    page.items = [_row(row, figures) for row in page.items]
    return page, period


EXPORT_COLUMNS = ["affiliate_email", "affiliate_name", "status", "joined_utc", "approved_campaigns", "period_start",
                  "period_end", "clicks", "conversions", "currency", "commission"]


def export_csv(reviewer: User, listing: AffiliateListing, zone_name: str) -> Iterator[str]:
    """Every affiliate of the listing, in its order, with the period's figures: one CSV line per currency."""
    period = period_of(listing.days, zone_name)
    scope, campaign_ids = _scope(reviewer)
    query = _rows_query(listing, campaign_ids)
    figures = figures_by_affiliate(scope, period, zone_name)
    ranked = _ranked_ids(query, listing, figures)

    def lines():
        for start in range(0, len(ranked), CHUNK):
            for row in _rows_of(query, ranked[start:start + CHUNK], figures):
                common = [cell(row.email), cell(row.name), row.status, row.joined.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          row.campaigns, period.start.isoformat(), period.end.isoformat(), row.clicks,
                          row.conversions]
                for currency, value in sorted(row.commission.items()) or [("", None)]:
                    yield [*common, currency, amount(value, currency) if currency else ""]

    return csv_chunks(EXPORT_COLUMNS, lines())
