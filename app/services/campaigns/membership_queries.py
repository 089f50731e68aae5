"""Reading memberships: who applied, who is in, and who may review them."""
from sqlalchemy import false, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.campaigns import MEMBERSHIP_STATUSES, Campaign, Membership
from app.models.users import User
from app.services.common.sorting import Sort, Sorts

# Oldest application first unless asked otherwise: it has waited longest.
APPLICATION_SORTS = Sorts({"applied": (Membership.created_at,), "affiliate": (func.lower(User.name),),
                          "campaign": (func.lower(Campaign.name),)},
                          default="applied", tie=Membership.id, descending=False)


def may_review(user: User, campaign: Campaign) -> bool:
    """Admins review every campaign; a merchant only their own."""
    return user.role == "admin" or (user.role == "merchant" and campaign.merchant_id == user.id)


def reviewable(query, user: User):
    """Restrict a query over memberships to those `user` may review."""
    if user.role == "admin":
        return query
    if user.role != "merchant":
        return query.where(false())
    return query.where(Membership.campaign_id.in_(select(Campaign.id).where(Campaign.merchant_id == user.id)))


def membership_of(campaign_id: int, affiliate_id: int) -> Membership | None:
    """The affiliate's membership in the campaign, whatever its status."""
    return db.session.scalar(select(Membership).where(
        Membership.campaign_id == campaign_id, Membership.affiliate_id == affiliate_id))


def approved_membership(campaign_id: int, affiliate_id: int) -> Membership | None:
    """The affiliate's membership if it is approved (they may make links and earn), else None."""
    return db.session.scalar(select(Membership).where(
        Membership.campaign_id == campaign_id, Membership.affiliate_id == affiliate_id,
        Membership.status == "approved"))


def approved_count(campaign_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.campaign_id == campaign_id, Membership.status == "approved")) or 0


def approved_counts(affiliate_ids) -> dict[int, int]:
    """How many campaigns each affiliate is approved in."""
    ids = set(affiliate_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Membership.affiliate_id, func.count()).where(
            Membership.affiliate_id.in_(ids), Membership.status == "approved")
        .group_by(Membership.affiliate_id))
    return {affiliate_id: count for affiliate_id, count in rows}


def _with_people(query):
    return query.options(selectinload(Membership.affiliate).selectinload(User.affiliate_profile),
                         selectinload(Membership.campaign), selectinload(Membership.decided_by))


def pending_for(user: User, campaign_id: int | None = None,
                sort: Sort = APPLICATION_SORTS.read({})) -> list[Membership]:
    """Pending applications `user` may decide, oldest first unless `sort` says otherwise; optionally of one
    campaign. The number of campaigns each affiliate joined is read after, so it does not sort the list."""
    query = (reviewable(select(Membership), user).join(User, User.id == Membership.affiliate_id)
             .join(Campaign, Campaign.id == Membership.campaign_id).where(Membership.status == "pending"))
    if campaign_id is not None:
        query = query.where(Membership.campaign_id == campaign_id)
    return list(db.session.scalars(_with_people(query).order_by(*APPLICATION_SORTS.order_by(sort))))


def pending_count_query(user: User, campaign_id: int | None = None):
    """The count of pending applications `user` may decide, as a select (to ask together with others)."""
    query = reviewable(select(func.count()).select_from(Membership), user).where(Membership.status == "pending")
    if campaign_id is not None:
        query = query.where(Membership.campaign_id == campaign_id)
    return query


def pending_count(user: User, campaign_id: int | None = None) -> int:
    return db.session.scalar(pending_count_query(user, campaign_id)) or 0


def any_pending(user: User, membership_ids: list[int]) -> bool:
    """Whether one of these applications that `user` may decide is still pending."""
    query = reviewable(select(Membership.id), user).where(Membership.id.in_(membership_ids or [-1]),
                                                          Membership.status == "pending")
    return db.session.scalar(query.limit(1)) is not None


def pending_by_campaign(user: User) -> list[tuple[Campaign, int]]:
    """Every campaign `user` reviews with its number of pending applications, for the filter."""
    pending = (select(Membership.campaign_id, func.count().label("n")).where(Membership.status == "pending")
               .group_by(Membership.campaign_id).subquery())
    query = (select(Campaign, func.coalesce(pending.c.n, 0))
             .outerjoin(pending, pending.c.campaign_id == Campaign.id).order_by(Campaign.name, Campaign.id))
    if user.role != "admin":
        query = query.where(Campaign.owned_by(user))
    return [(campaign, count) for campaign, count in db.session.execute(query)]


def members_of(campaign_id: int, status: str = "approved") -> list[Membership]:
    """The campaign's memberships in one status, latest decision first."""
    query = select(Membership).where(Membership.campaign_id == campaign_id, Membership.status == status)
    order = (func.coalesce(Membership.decided_at, Membership.created_at).desc(), Membership.id.desc())
    return list(db.session.scalars(_with_people(query).order_by(*order)))


def status_counts(campaign_id: int) -> dict[str, int]:
    rows = db.session.execute(select(Membership.status, func.count()).where(Membership.campaign_id == campaign_id)
                              .group_by(Membership.status))
    counts = dict.fromkeys(MEMBERSHIP_STATUSES, 0)
    counts.update({status: count for status, count in rows})
    return counts
