"""The dashboards' figures: the last 30 days from the rollup, with what waits for someone's decision.

Figures over time come from the rollup (plus the newest rows), so a dashboard costs the same with a
year of clicks as with a week; the counts of work waiting are read through indexes on the status.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.campaigns import Campaign, Membership
from app.models.conversions import Conversion
from app.models.money import OPEN_PAYOUT_STATUSES, PayoutRequest
from app.models.users import User
from app.services.analytics.periods import EARLIEST, Period
from app.services.analytics.reader import Reader
from app.services.analytics.scope import Filters, Scope

DAYS = 30


@dataclass
class Recent:
    """The last `days` days: counts over every currency, money per currency, and one point per day."""

    days: int
    figures: dict
    commission: dict[str, int]
    approved: dict[str, int]
    trend: list = field(default_factory=list)


def _counts(**queries) -> dict[str, int]:
    """The number of rows of each query, all read in one statement (one round trip for a row of tiles)."""
    counts = [select(func.count()).select_from(query.subquery()).scalar_subquery().label(name)
              for name, query in queries.items()]
    return {name: int(value or 0) for name, value in db.session.execute(select(*counts)).one()._mapping.items()}


def recent(scope: Scope, zone_name: str, today: date, days: int = DAYS, reader: Reader | None = None) -> Recent:
    """The last `days` days; with `reader`, read through that open reader (one snapshot for the page)."""
    if reader is None:
        with Reader(scope, Filters(currency=None), zone_name) as own:
            return recent(scope, zone_name, today, days, own)
    period = Period(today - timedelta(days=days - 1), today)
    measures = ("clicks", "unique_clicks", "conversions", "approved", "commission", "commission_approved",
                "commission_reversed")
    by_currency = reader.grouped(("currency",), period, measures)
    by_day = reader.grouped(("day",), period, ("clicks", "conversions"))
    figures = {name: sum(values[name] for values in by_currency.values()) for name in measures}
    commission = {currency: values["commission"] for (currency,), values in sorted(by_currency.items())
                  if values["commission"]}
    approved = {currency: values["commission_approved"] - values["commission_reversed"]
                for (currency,), values in sorted(by_currency.items()) if values["commission_approved"]}
    trend = [(day, by_day.get((day,), {}).get("clicks", 0), by_day.get((day,), {}).get("conversions", 0))
             for day in period.each_day()]
    return Recent(days, figures, commission, approved, trend)


def admin_overview(zone_name: str, today: date) -> dict:
    counts = _counts(
        merchants=select(User.id).where(User.role == "merchant"),
        affiliates=select(User.id).where(User.role == "affiliate"),
        active_campaigns=select(Campaign.id).where(Campaign.status == "active"),
        pending_conversions=select(Conversion.id).where(Conversion.status == "pending"),
        open_payouts=select(PayoutRequest.id).where(PayoutRequest.status.in_(OPEN_PAYOUT_STATUSES)),
        payouts_to_approve=select(PayoutRequest.id).where(PayoutRequest.status == "requested"),
        payouts_to_pay=select(PayoutRequest.id).where(PayoutRequest.status == "approved"))
    users = {"merchant": counts.pop("merchants"), "affiliate": counts.pop("affiliates")}
    return {"recent": recent(Scope("admin", 0), zone_name, today),
            "users": {role: count for role, count in users.items() if count}, **counts}


def merchant_overview(scope: Scope, zone_name: str, today: date) -> dict:
    campaign_ids = list(scope.campaign_ids or ())
    counts = _counts(
        active_campaigns=select(Campaign.id).where(Campaign.id.in_(campaign_ids), Campaign.status == "active"),
        affiliates=select(Membership.affiliate_id).distinct().where(
            Membership.campaign_id.in_(campaign_ids), Membership.status == "approved"),
        pending_applications=select(Membership.id).where(
            Membership.campaign_id.in_(campaign_ids), Membership.status == "pending"),
        pending_conversions=select(Conversion.id).where(
            Conversion.campaign_id.in_(campaign_ids), Conversion.status == "pending"))
    return {
        "recent": recent(scope, zone_name, today),
        "campaigns": len(campaign_ids),
        **counts,
        "latest_campaigns": db.session.scalars(select(Campaign).where(Campaign.id.in_(campaign_ids))
                                               .order_by(Campaign.created_at.desc()).limit(5)).all(),
    }


def affiliate_overview(scope: Scope, zone_name: str, today: date) -> dict:
    """The affiliate's last 30 days, and their commission waiting for a decision or approved, ever."""
    ever = Period(EARLIEST, today)
    # One reader for both questions: one snapshot, and the newest rows read once.
    with Reader(scope, Filters(currency=None), zone_name) as reader:
        totals = reader.grouped(("currency",), ever, ("commission", "commission_approved", "commission_reversed"))
        last_days = recent(scope, zone_name, today, reader=reader)
    approved = {currency: values["commission_approved"] - values["commission_reversed"]
                for (currency,), values in sorted(totals.items())}
    pending = {currency: values["commission"] - approved[currency] for (currency,), values in sorted(totals.items())}
    memberships = db.session.scalars(
        select(Membership).where(Membership.affiliate_id == scope.user_id)
        .options(joinedload(Membership.campaign).joinedload(Campaign.merchant).joinedload(User.merchant_profile))
        .order_by(Membership.created_at.desc())).all()
    return {"recent": last_days, "memberships": memberships,
            "pending": {code: amount for code, amount in pending.items() if amount},
            "approved": {code: amount for code, amount in approved.items() if amount}}
