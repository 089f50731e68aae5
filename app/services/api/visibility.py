"""The rows each caller may see, as the pages show them: admins everything, merchants their own
campaigns and what happens in them, affiliates their own memberships, links, clicks, money.

Every function returns a query or a row; a row the caller may not see is reported exactly like a
row that does not exist, so ids of other tenants reveal nothing.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import false, or_, select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.campaigns import Campaign, Membership
from app.models.conversions import Conversion
from app.models.money import PayoutRequest
from app.models.tracking import Click, Link
from app.models.users import User
from app.services.campaigns import lists, membership_queries
from app.services.campaigns.campaigns import CampaignNotFound
from app.services.common.errors import ServiceError
from app.services.common.lists import within_days
from app.services.conversions import queries


class NotFound(ServiceError):
    """No such object, or not one of yours."""

    code = "not_found"


def _own_campaign_ids(user: User):
    return select(Campaign.id).where(Campaign.merchant_id == user.id)


def campaigns(user: User, status: str | None = None):
    """Campaigns a merchant runs (an admin: all). Affiliates look in the directory instead."""
    query = select(Campaign)
    if user.role == "merchant":
        query = query.where(Campaign.merchant_id == user.id)
    elif user.role != "admin":
        query = query.where(false())
    if status:
        query = query.where(Campaign.status == status)
    return query


def campaign(user: User, campaign_id: int, today: date) -> Campaign:
    """One campaign: a merchant's own, any for an admin, an open or joined one for an affiliate."""
    if user.role == "affiliate":
        try:
            return lists.for_affiliate(campaign_id, user.id, today)[0]
        except CampaignNotFound as exc:
            raise NotFound() from exc
    return _one(campaigns(user).where(Campaign.id == campaign_id))


def directory(today: date, commission_type: str | None = None):
    """Campaigns open to affiliates."""
    query = select(Campaign).where(Campaign.status == "active",
                                   or_(Campaign.ends_on.is_(None), Campaign.ends_on >= today))
    if commission_type:
        query = query.where(Campaign.commission_type == commission_type)
    return query


def memberships(user: User, campaign_id: int | None = None, status: str | None = None):
    """An affiliate's own memberships; the applications a merchant (own campaigns) or admin reviews."""
    query = select(Membership)
    query = query.where(Membership.affiliate_id == user.id) if user.role == "affiliate" \
        else membership_queries.reviewable(query, user)
    if campaign_id:
        query = query.where(Membership.campaign_id == campaign_id)
    if status:
        query = query.where(Membership.status == status)
    return query


def membership(user: User, membership_id: int) -> Membership:
    return _one(memberships(user).where(Membership.id == membership_id))


def links(user: User, archived: bool | None = None, campaign_id: int | None = None):
    """Tracking links: an affiliate's own, every link for an admin (merchants see clicks, not links)."""
    query = select(Link)
    if user.role == "affiliate":
        query = query.where(Link.affiliate_id == user.id)
    elif user.role != "admin":
        query = query.where(false())
    if archived is not None:
        query = query.where(Link.archived_at.is_not(None) if archived else Link.archived_at.is_(None))
    if campaign_id:
        query = query.where(Link.campaign_id == campaign_id)
    return query


def link(user: User, link_id: int) -> Link:
    return _one(links(user).where(Link.id == link_id))


@dataclass
class ClickFilters:
    campaign_id: int | None = None
    link_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def clicks(user: User, filters: ClickFilters, tz: str):
    """Clicks on an affiliate's links, on a merchant's campaigns, or all for an admin."""
    query = select(Click)
    if user.role == "affiliate":
        query = query.where(Click.affiliate_id == user.id)
    elif user.role == "merchant":
        query = query.where(Click.campaign_id.in_(_own_campaign_ids(user)))
    if filters.campaign_id:
        query = query.where(Click.campaign_id == filters.campaign_id)
    if filters.link_id:
        query = query.where(Click.link_id == filters.link_id)
    return within_days(query, Click.created_at, filters.date_from, filters.date_to, tz)


def conversions(user: User, filters: queries.ConversionFilters, tz: str):
    """Conversions on a merchant's campaigns, an affiliate's own, or all for an admin."""
    query = select(Conversion)
    if user.role != "admin":
        query = query.where(Conversion.owned_by(user))
    return queries.filtered(query, filters, tz)


def conversion(user: User, conversion_id: int) -> Conversion:
    return _one(conversions(user, queries.ConversionFilters(), "UTC").where(Conversion.id == conversion_id))


def payout_requests(user: User, status: str | None = None, affiliate_id: int | None = None):
    """An affiliate's own payout requests, or every one for an admin; merchants pay no one here."""
    query = select(PayoutRequest)
    if user.role == "affiliate":
        query = query.where(PayoutRequest.affiliate_id == user.id)
    elif user.role != "admin":
        query = query.where(false())
    if status:
        query = query.where(PayoutRequest.status == status)
    if affiliate_id:
        query = query.where(PayoutRequest.affiliate_id == affiliate_id)
    return query


def payout_request(user: User, request_id: int) -> PayoutRequest:
    return _one(payout_requests(user).where(PayoutRequest.id == request_id))


@dataclass
class AuditFilters:
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    actor_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def audit_events(user: User, filters: AuditFilters, tz: str):
    """The audit log, for admins only."""
    query = select(AuditEvent)
    if user.role != "admin":
        return query.where(false())
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    for column, value in ((AuditEvent.object_type, filters.object_type), (AuditEvent.object_id, filters.object_id),
                          (AuditEvent.actor_id, filters.actor_id)):
        if value:
            query = query.where(column == value)
    return within_days(query, AuditEvent.created_at, filters.date_from, filters.date_to, tz)


class InvalidMerchant(ServiceError):
    """Name the merchant the campaign belongs to."""

    field = "merchant_id"


class TooManyIds(ServiceError):
    """Send at most 500 ids at a time."""

    field = "ids"


MAX_IDS = 500


def owner_of_new_campaign(user: User, merchant_id: int | None) -> int:
    """Whose campaign a new one is: the merchant's own; for an admin, the merchant they name."""
    if user.role != "admin":
        return user.id
    merchant = db.session.get(User, merchant_id) if merchant_id else None
    if merchant is None or merchant.role != "merchant":
        raise InvalidMerchant()
    return merchant.id


def bounded_ids(ids) -> list[int]:
    """The ids of a bulk action, at most MAX_IDS of them."""
    unique = list(dict.fromkeys(ids))
    if len(unique) > MAX_IDS:
        raise TooManyIds()
    return unique


def _one(query):
    found = db.session.scalar(query)
    if found is None:
        raise NotFound()
    return found
