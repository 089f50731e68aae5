"""Reading campaigns: the merchant's list with its figures, the affiliates' directory, one campaign."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.campaigns import CAMPAIGN_STATUSES, COMMISSION_TYPES, Campaign, Membership
from app.models.common import utcnow
from app.models.users import MerchantProfile, User
from app.services.analytics.periods import EARLIEST, Period
from app.services.analytics.reader import Reader
from app.services.analytics.scope import Filters, Scope
from app.services.analytics.sql import local_day_of
from app.services.campaigns.campaigns import CampaignNotFound, has_ended
from app.services.common.lists import Page, paginate
from app.services.common.sorting import Sort, Sorts

PER_PAGE = 20
# What the list and the campaign page show of the rollup's measures.
FIGURES = ("unique_clicks", "conversions", "rejected", "commission")
# Memberships that let an affiliate keep seeing a campaign after it is paused or ended.
MEMBER_STATUSES = ("pending", "approved")


@dataclass
class CampaignStats:
    affiliates: int = 0
    clicks: int = 0
    conversions: int = 0
    # currency -> minor units; a campaign whose currency changed can owe in several.
    owed: dict = field(default_factory=dict)


# Percentages and fixed amounts are not comparable: percentages come first either way, each kind sorted
# within its own group.
_COMMISSION = (case((Campaign.commission_type == "percent", 0), else_=1).asc(), Campaign.commission_rate,
               Campaign.commission_fixed)
# The merchant as the lists show them: the company's name, else the person's.
_MERCHANT_NAME = func.lower(func.coalesce(func.nullif(MerchantProfile.company_name, ""), User.name))
CAMPAIGN_SORTS = Sorts({"created": (Campaign.created_at,), "name": (func.lower(Campaign.name),),
                        "merchant": (_MERCHANT_NAME,), "status": (Campaign.status,), "commission": _COMMISSION},
                       default="created", tie=Campaign.id)
DIRECTORY_SORTS = Sorts({"created": (Campaign.created_at,), "name": (func.lower(Campaign.name),),
                         "merchant": (_MERCHANT_NAME,), "commission": _COMMISSION,
                         "terms": (Campaign.attribution_days, Campaign.hold_days), "joining": (Campaign.join_mode,)},
                        default="created", tie=Campaign.id)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def stats_for(campaign_ids: list[int], zone_name: str) -> dict[int, CampaignStats]:
    """Lifetime figures of the given campaigns: memberships counted, clicks and money from the rollup.

    Two queries (and the rollup's own reads), however many campaigns and however many clicks they
    ever had: the figures over time come from the daily rollup plus the rows above its watermarks.
    """
    stats = defaultdict(CampaignStats)
    if not campaign_ids:
        return stats
    affiliates = db.session.execute(
        select(Membership.campaign_id, func.count())
        .where(Membership.campaign_id.in_(campaign_ids), Membership.status == "approved")
        .group_by(Membership.campaign_id))
    for campaign_id, count in affiliates:
        stats[campaign_id].affiliates = count
    ever = Period(EARLIEST, local_day_of(utcnow(), zone_name))
    with Reader(Scope("admin", 0), Filters(currency=None), zone_name) as reader:
        figures = reader.grouped(("campaign_id", "currency"), ever, FIGURES, only={"campaign_id": list(campaign_ids)})
    for (campaign_id, currency), values in figures.items():
        stats[campaign_id].clicks += values["unique_clicks"]
        # Rejected orders are not counted; "commission" is what pending and approved ones still owe.
        stats[campaign_id].conversions += values["conversions"] - values["rejected"]
        if values["commission"]:
            stats[campaign_id].owed[currency] = values["commission"]
    return stats


def merchant_campaigns(viewer: User, zone_name: str, q: str = "", status: str = "", page: int = 1,
                       sort: Sort = Sort("created")) -> Page:
    """The campaigns a merchant manages (an admin: all), newest first unless `sort` says otherwise; items are
    (Campaign, CampaignStats). The figures are not sortable: they come from the rollup, a page at a time."""
    query = (select(Campaign).join(User, User.id == Campaign.merchant_id)
             .outerjoin(MerchantProfile, MerchantProfile.user_id == Campaign.merchant_id)
             .options(joinedload(Campaign.merchant).joinedload(User.merchant_profile))
             .order_by(*CAMPAIGN_SORTS.order_by(sort)))
    if viewer.role != "admin":
        query = query.where(Campaign.merchant_id == viewer.id)
    q = (q or "").strip()
    if q:
        pattern = _like(q)
        matches = Campaign.name.ilike(pattern, escape="\\")
        if viewer.role == "admin":
            matches = or_(matches, MerchantProfile.company_name.ilike(pattern, escape="\\"))
        query = query.where(matches)
    if status in CAMPAIGN_STATUSES:
        query = query.where(Campaign.status == status)
    result = paginate(query, page, PER_PAGE, rows=True)
    campaigns = [row[0] for row in result.items]
    stats = stats_for([c.id for c in campaigns], zone_name)
    result.items = [(c, stats[c.id]) for c in campaigns]
    return result


def directory(affiliate_id: int, today: date, q: str = "", commission_type: str = "", sort: Sort = Sort("created"),
              page: int = 1) -> Page:
    """Campaigns open to affiliates; items are (Campaign, this affiliate's membership status or None)."""
    query = (select(Campaign, Membership.status)
             .outerjoin(Membership, and_(Membership.campaign_id == Campaign.id,
                                         Membership.affiliate_id == affiliate_id))
             .join(User, User.id == Campaign.merchant_id)
             .outerjoin(MerchantProfile, MerchantProfile.user_id == Campaign.merchant_id)
             .options(joinedload(Campaign.merchant).joinedload(User.merchant_profile))
             .where(Campaign.status == "active", or_(Campaign.ends_on.is_(None), Campaign.ends_on >= today)))
    q = (q or "").strip()
    if q:
        pattern = _like(q)
        query = query.where(or_(Campaign.name.ilike(pattern, escape="\\"),
                                Campaign.description.ilike(pattern, escape="\\"),
                                MerchantProfile.company_name.ilike(pattern, escape="\\")))
    if commission_type in COMMISSION_TYPES:
        query = query.where(Campaign.commission_type == commission_type)
    query = query.order_by(*DIRECTORY_SORTS.order_by(sort))
    result = paginate(query, page, PER_PAGE, rows=True)
    result.items = [(campaign, status) for campaign, status in result.items]
    return result


def for_affiliate(campaign_id: int, affiliate_id: int, today: date) -> tuple[Campaign, Membership | None]:
    """A campaign as an affiliate may see it: open ones, or paused/ended ones they belong to."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotFound()
    membership = db.session.scalar(select(Membership).where(
        Membership.campaign_id == campaign_id, Membership.affiliate_id == affiliate_id))
    is_member = membership is not None and membership.status in MEMBER_STATUSES
    if (campaign.status != "active" or has_ended(campaign, today)) and not is_member:
        raise CampaignNotFound()
    return campaign, membership


def merchant_choices() -> list[tuple[int, str]]:
    """Merchants an admin can create a campaign for, by name."""
    merchants = db.session.scalars(
        select(User).options(joinedload(User.merchant_profile))
        .where(User.role == "merchant", User.is_disabled.is_(False)).order_by(User.name)).all()
    return sorted(((m.id, m.display_name) for m in merchants), key=lambda item: item[1].lower())
