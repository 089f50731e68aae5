"""Reading conversions and clicks for the review pages and the affiliate's own pages (no writes).

Date filters take calendar days in the reader's timezone: `date_from` and `date_to` are both
included, so a day means local midnight to local midnight, turned into naive UTC bounds here.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.campaigns import Campaign, Membership
from app.models.conversions import Conversion, Refund
from app.models.money import LedgerEntry
from app.models.tracking import Click, Link
from app.models.users import User
from app.services.analytics.scope import find_affiliate, scope_for
from app.services.common.keyset import NEWEST, Cursor, Order, Window, window
from app.services.common.lists import within_days
from app.services.conversions import click_lists
from app.services.conversions.flags import ANY_FLAG, FLAGS

PER_PAGE = 25
# What the lists can be sorted by (sort key -> column); each order is served by an index ending in the id.
SORT_COLUMNS = {"created": "created_at", "amount": "amount", "commission": "commission"}


@dataclass
class ConversionFilters:
    status: str | None = None
    campaign_id: int | None = None
    affiliate_id: int | None = None
    source: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    # A fraud flag code, or "any" for conversions carrying at least one.
    flag: str | None = None


def filtered(query, filters: ConversionFilters, tz: str):
    """`query` over conversions narrowed by the list's filters (no order, no owner: the caller's)."""
    if filters.status:
        query = query.where(Conversion.status == filters.status)
    if filters.campaign_id:
        query = query.where(Conversion.campaign_id == filters.campaign_id)
    if filters.affiliate_id:
        query = query.where(Conversion.affiliate_id == filters.affiliate_id)
    if filters.source:
        query = query.where(Conversion.source == filters.source)
    if filters.flag:
        # The flags are a JSON list stored as text on both databases: matched by their quoted codes.
        stored = cast(Conversion.fraud_flags, String)
        if filters.flag == ANY_FLAG:
            query = query.where(or_(*(stored.like(f'%"{code}"%') for code in FLAGS)))
        else:
            query = query.where(stored.like(f'%"{filters.flag}"%'))
    return within_days(query, Conversion.created_at, filters.date_from, filters.date_to, tz)


def _visible_to(query, user: User, model=Conversion):
    return query if user.role == "admin" else query.where(model.owned_by(user))


def any_pending(user: User, conversion_ids: list[int]) -> bool:
    """Whether one of these conversions that `user` reviews is still pending."""
    query = _visible_to(select(Conversion.id), user).where(Conversion.id.in_(conversion_ids or [-1]),
                                                           Conversion.status == "pending")
    return db.session.scalar(query.limit(1)) is not None


def review_page(user: User, filters: ConversionFilters, tz: str, cursor: Cursor | None = None,
                per_page: int = PER_PAGE, order: Order = NEWEST) -> Window:
    """Conversions a merchant (own campaigns, read campaign by campaign) or an admin (all) reviews, in `order`."""
    query = filtered(select(Conversion), filters, tz)
    split = None
    if user.role != "admin":
        owned = db.session.scalars(select(Campaign.id).where(Campaign.merchant_id == user.id)).all()
        split = (Conversion.campaign_id, [c for c in owned if not filters.campaign_id or c == filters.campaign_id])
    return window(Conversion, query, cursor, per_page, order=order, split=split,
                  options=(selectinload(Conversion.campaign), selectinload(Conversion.affiliate)))


def affiliate_page(affiliate_id: int, filters: ConversionFilters, tz: str, cursor: Cursor | None = None,
                   per_page: int = PER_PAGE, order: Order = NEWEST) -> Window:
    """One affiliate's own conversions in `order`; the affiliate filter is forced to them."""
    filters = ConversionFilters(**{**filters.__dict__, "affiliate_id": affiliate_id})
    query = filtered(select(Conversion).where(Conversion.affiliate_id == affiliate_id), filters, tz)
    return window(Conversion, query, cursor, per_page, order=order, options=(selectinload(Conversion.campaign),))


def reviewer_campaigns(user: User) -> list[Campaign]:
    """Campaigns whose conversions `user` reviews, for the campaign filter."""
    query = _visible_to(select(Campaign), user, Campaign).order_by(Campaign.name, Campaign.id)
    return list(db.session.scalars(query))


def reviewer_affiliate(user: User, text: str) -> User | None:
    """The affiliate typed in the filter (email or id) whose conversions `user` reviews; None if none is."""
    return find_affiliate(scope_for(user), text)


def affiliate_campaigns(affiliate_id: int) -> list[Campaign]:
    """Campaigns the affiliate belongs or belonged to, for their campaign filter."""
    ids = select(Membership.campaign_id).where(Membership.affiliate_id == affiliate_id)
    return list(db.session.scalars(select(Campaign).where(Campaign.id.in_(ids)).order_by(Campaign.name)))


@dataclass
class ConversionDetail:
    conversion: Conversion
    click: Click | None
    link: Link | None
    refunds: list
    ledger: list
    events: list
    ip_clicks: int | None
    decided_by: User | None


def detail(conversion: Conversion) -> ConversionDetail:
    """Everything about one conversion the reviewer may already see (ownership checked by the caller)."""
    click = conversion.click
    refunds = db.session.scalars(select(Refund).where(Refund.conversion_id == conversion.id)
                                 .order_by(Refund.created_at, Refund.id)).all()
    ledger = db.session.scalars(select(LedgerEntry).where(LedgerEntry.conversion_id == conversion.id)
                                .order_by(LedgerEntry.id)).all()
    events = db.session.scalars(
        select(AuditEvent).options(selectinload(AuditEvent.actor))
        .where(AuditEvent.object_type == Conversion.__tablename__, AuditEvent.object_id == str(conversion.id))
        .order_by(AuditEvent.created_at, AuditEvent.id)).all()
    decided_by = db.session.get(User, conversion.decided_by_id) if conversion.decided_by_id else None
    return ConversionDetail(conversion=conversion, click=click, link=conversion.link,
                            refunds=list(refunds), ledger=list(ledger), events=list(events),
                            ip_clicks=click_lists.ip_click_counts([click]).get(click.id) if click else None,
                            decided_by=decided_by)
