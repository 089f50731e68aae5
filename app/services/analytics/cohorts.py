"""Cohorts: affiliates grouped by the month they joined, followed month by month.

An admin's affiliates joined when they signed up; a merchant's (or anyone's, within one campaign)
when they were first accepted into one of the campaigns. A cell is the share of the cohort that
brought at least one conversion still standing or since decided (not rejected) in that month, and
the commission they earned. Months not lived yet stay empty.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models.campaigns import Membership
from app.models.users import User
from app.services.analytics import sql
from app.services.analytics.funnel import rate
from app.services.analytics.periods import Period
from app.services.analytics.reader import Reader, month_start

MONTHS = 12


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class Cohort:
    month: date
    size: int
    # One cell per month since joining: (active affiliates, their commission), None for the future.
    cells: list = field(default_factory=list)

    def share(self, cell) -> object:
        return rate(cell[0], self.size) if cell is not None else None


def joined_months(reader: Reader) -> dict[int, date]:
    """{affiliate id: the first day of the month they joined}, within what the reader may see."""
    zone = reader.zone_name
    conditions = reader.conditions
    campaign = conditions.get("campaign_id")
    if reader.scope.role == "admin" and campaign is None:
        rows = db.session.execute(select(User.id, User.created_at).where(User.role == "affiliate"))
    else:
        joined = func.min(func.coalesce(Membership.decided_at, Membership.created_at))
        query = (select(Membership.affiliate_id, joined).where(Membership.status.in_(("approved", "removed")))
                 .group_by(Membership.affiliate_id))
        if isinstance(campaign, list):
            query = query.where(Membership.campaign_id.in_(campaign))
        elif campaign is not None:
            query = query.where(Membership.campaign_id == campaign)
        rows = db.session.execute(query)
    return {affiliate: month_start(sql.local_day_of(moment, zone)) for affiliate, moment in rows if moment}


def cohorts(reader: Reader, last_month: date, months: int = MONTHS) -> list[Cohort]:
    """The cohorts of the `months` months up to `last_month`, newest first."""
    first_month = add_months(last_month, -(months - 1))
    joined = {affiliate: month for affiliate, month in joined_months(reader).items()
              if first_month <= month <= last_month}
    sizes: dict[date, int] = {}
    for month in joined.values():
        sizes[month] = sizes.get(month, 0) + 1
    active: dict[tuple[date, int], list[int]] = {}
    period = Period(first_month, add_months(last_month, 1) - timedelta(days=1))
    grouped = reader.grouped(("month", "affiliate_id"), period, ("conversions", "rejected", "commission"))
    for (month, affiliate), figures in grouped.items():
        cohort = joined.get(affiliate)
        if cohort is None or month < cohort:
            continue
        cell = active.setdefault((cohort, _months_between(cohort, month)), [0, 0])
        if figures["conversions"] - figures["rejected"] > 0:
            cell[0] += 1
        cell[1] += figures["commission"]
    result = []
    for n in range(months):
        month = add_months(last_month, -n)
        lived = _months_between(month, last_month) + 1
        cells = [tuple(active.get((month, k), (0, 0))) for k in range(lived)] + [None] * (months - lived)
        result.append(Cohort(month, sizes.get(month, 0), cells))
    return result


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month
