"""Figures for the dashboards."""
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models.campaigns import Campaign, Membership
from app.models.common import utcnow
from app.models.conversions import Conversion
from app.models.money import OPEN_PAYOUT_STATUSES, PayoutRequest
from app.models.tracking import Click
from app.models.users import User


def _since(days: int):
    return utcnow() - timedelta(days=days)


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _commission_by_currency(*conditions) -> dict[str, int]:
    rows = db.session.execute(
        select(Conversion.currency, func.sum(Conversion.commission - Conversion.commission_reversed))
        .where(*conditions).group_by(Conversion.currency).order_by(Conversion.currency)
    )
    return {currency: int(total or 0) for currency, total in rows}


def admin_overview(days: int = 30) -> dict:
    since = _since(days)
    by_role = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    return {
        "days": days,
        "users": by_role,
        "active_campaigns": _count(select(Campaign.id).where(Campaign.status == "active")),
        "clicks": _count(select(Click.id).where(Click.created_at >= since, Click.is_unique)),
        "conversions": _count(select(Conversion.id).where(Conversion.created_at >= since)),
        "pending_conversions": _count(select(Conversion.id).where(Conversion.status == "pending")),
        "open_payouts": _count(select(PayoutRequest.id).where(PayoutRequest.status.in_(OPEN_PAYOUT_STATUSES))),
        "commission": _commission_by_currency(Conversion.created_at >= since,
                                              Conversion.status.in_(("pending", "approved"))),
    }


def merchant_overview(merchant_id: int, days: int = 30) -> dict:
    since = _since(days)
    campaign_ids = select(Campaign.id).where(Campaign.merchant_id == merchant_id)
    return {
        "days": days,
        "campaigns": _count(campaign_ids),
        "active_campaigns": _count(campaign_ids.where(Campaign.status == "active")),
        "affiliates": _count(select(Membership.affiliate_id).distinct().where(
            Membership.campaign_id.in_(campaign_ids), Membership.status == "approved")),
        "pending_applications": _count(select(Membership.id).where(
            Membership.campaign_id.in_(campaign_ids), Membership.status == "pending")),
        "clicks": _count(select(Click.id).where(Click.campaign_id.in_(campaign_ids),
                                                Click.created_at >= since, Click.is_unique)),
        "conversions": _count(select(Conversion.id).where(Conversion.campaign_id.in_(campaign_ids),
                                                          Conversion.created_at >= since)),
        "commission": _commission_by_currency(Conversion.campaign_id.in_(campaign_ids),
                                              Conversion.created_at >= since,
                                              Conversion.status.in_(("pending", "approved"))),
        "recent": db.session.scalars(select(Campaign).where(Campaign.merchant_id == merchant_id)
                                     .order_by(Campaign.created_at.desc()).limit(5)).all(),
    }


def affiliate_overview(affiliate_id: int, days: int = 30) -> dict:
    since = _since(days)
    memberships = db.session.scalars(
        select(Membership).where(Membership.affiliate_id == affiliate_id).order_by(Membership.created_at.desc())
    ).all()
    return {
        "days": days,
        "memberships": memberships,
        "clicks": _count(select(Click.id).where(Click.affiliate_id == affiliate_id,
                                                Click.created_at >= since, Click.is_unique)),
        "conversions": _count(select(Conversion.id).where(Conversion.affiliate_id == affiliate_id,
                                                          Conversion.created_at >= since)),
        "pending": _commission_by_currency(Conversion.affiliate_id == affiliate_id,
                                           Conversion.status == "pending"),
        "approved": _commission_by_currency(Conversion.affiliate_id == affiliate_id,
                                            Conversion.status == "approved"),
    }
