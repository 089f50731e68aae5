"""Top performers: affiliates, links, campaigns, sub-IDs or referrer domains ranked by one figure.

The ranking is computed over every group of the period (their number is bounded by how many
affiliates, links… exist, not by how many clicks); the sparklines of the rows shown come from one
more grouped read restricted to those rows. Names are looked up once for all rows shown.
"""
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import select

from app.extensions import db
from app.models.campaigns import Campaign
from app.models.tracking import Link
from app.models.users import User
from app.services.analytics.funnel import Rates
from app.services.analytics.periods import Period
from app.services.analytics.reader import Reader

# The ranking's name → the dimension it groups by.
DIMENSIONS = {"affiliate": "affiliate_id", "link": "link_id", "campaign": "campaign_id", "sub_id": "sub_id",
              "referrer": "referrer"}
METRICS = ("clicks", "conversions", "revenue", "commission", "conversion_rate", "epc")
RANKING_MEASURES = ("clicks", "unique_clicks", "conversions", "pending", "approved", "revenue", "commission")
DEFAULT_METRIC = "commission"
PAGE_SIZES = (10, 25, 100)


@dataclass
class Ranked(Rates):
    key: object
    figures: dict
    label: str = ""
    detail: str = ""
    # What the page's filter takes to narrow everything to this row (None: no such filter).
    filter_value: object = None
    sparkline: list[int] = field(default_factory=list)


def _sort_value(figures: dict, metric: str):
    """The figure a row is ranked by; a rate as a fraction (exact, and cheaper than a Decimal)."""
    if metric == "conversion_rate":
        return Fraction(figures["conversions"], figures["unique_clicks"]) if figures["unique_clicks"] else None
    if metric == "epc":
        return Fraction(figures["commission"], figures["unique_clicks"]) if figures["unique_clicks"] else None
    return figures[metric]


def dimensions_for(role: str) -> list[str]:
    """An affiliate ranks their own links, campaigns, sub-IDs and referrers, not affiliates."""
    return [name for name in DIMENSIONS if not (role == "affiliate" and name == "affiliate")]


def dimension_for(role: str, asked: str) -> str:
    """The ranking asked for if the role has it, else the role's first."""
    dimensions = dimensions_for(role)
    return asked if asked in dimensions else dimensions[0]


def ranking(reader: Reader, period: Period, dimension: str, metric: str, descending: bool = True,
            limit: int | None = 25, sparkline_metric: str | None = None) -> list[Ranked]:
    """The groups of `dimension` by `metric`; `limit` None gives them all (for an export)."""
    column = DIMENSIONS[dimension]
    grouped = reader.grouped((column,), period, RANKING_MEASURES)

    def order(item):
        (key,), figures = item
        value = _sort_value(figures, metric)
        # Rows without a value (no clicks for a rate) go last whichever way the ranking runs.
        return (value is None, -(value or 0) if descending else (value or 0), str(key))

    ordered = sorted((item for item in grouped.items() if any(item[1].values())), key=order)
    rows = [Ranked(key, figures) for (key,), figures in (ordered if limit is None else ordered[:limit])]
    shown = rows
    _label(dimension, shown)
    if sparkline_metric and shown:
        _sparklines(reader, period, column, shown, sparkline_metric)
    return shown


def _sparklines(reader: Reader, period: Period, column: str, rows: list[Ranked], metric: str) -> None:
    measure = "commission" if metric in ("epc", "commission") else metric
    measure = "conversions" if measure == "conversion_rate" else measure
    buckets = period.buckets()
    position = {bucket: n for n, bucket in enumerate(buckets)}
    series = {row.key: [0] * len(buckets) for row in rows}
    grouped = reader.grouped((column, "day"), period, (measure,), only={column: [row.key for row in rows]})
    for (key, day), figures in grouped.items():
        if key in series:
            series[key][position[period.bucket(day)]] += figures[measure]
    for row in rows:
        row.sparkline = series[row.key]


def _label(dimension: str, rows: list[Ranked]) -> None:
    keys = [row.key for row in rows]
    if dimension == "affiliate":
        names = {user.id: (user.name, user.email) for user in db.session.scalars(select(User).where(User.id.in_(keys)))}
        for row in rows:
            row.label, row.detail = names.get(row.key, (f"#{row.key}", ""))
            row.filter_value = row.detail or None
    elif dimension == "campaign":
        names = dict(db.session.execute(select(Campaign.id, Campaign.name).where(Campaign.id.in_(keys))).all())
        for row in rows:
            row.label, row.filter_value = names.get(row.key, f"#{row.key}"), row.key
    elif dimension == "link":
        links = {link.id: link for link in db.session.execute(
            select(Link.id, Link.code, Link.label, Campaign.name.label("campaign"))
            .join(Campaign, Campaign.id == Link.campaign_id).where(Link.id.in_(keys)))}
        for row in rows:
            link = links.get(row.key)
            row.label = (link.label or link.code) if link else f"#{row.key}"
            row.detail = f"{link.code} · {link.campaign}" if link else ""
            row.filter_value = link.code if link else None
    else:
        for row in rows:
            row.label = row.key
            row.filter_value = row.key if dimension == "sub_id" and row.key else None
