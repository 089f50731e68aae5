"""Where figures come from: the rollup tables, and the raw rows they are made of.

Every source answers one question the same way: the sums of the measures, grouped by some
dimensions, over a range of days, within some filters. A page's figure is the rollup's answer plus
the answer of the rows above its watermarks (`live_sources`); the same figure from raw rows alone
(`raw_sources`) is what the rollup is rebuilt from, what the tests hold it to, and the benchmark's
baseline.
"""
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, literal, select

from app.models.analytics import DAILY_MODELS, MEASURES, ConversionStatsChange, MonthlyAffiliateStats, PaidShare
from app.models.campaigns import Campaign
from app.models.conversions import Conversion
from app.models.money import LedgerEntry
from app.models.tracking import Click
from app.services.analytics import sql
from app.services.analytics.measures import STANDING, STATUSES

# The finest grain anything is counted at.
FINE_DIMS = ("day", "campaign_id", "affiliate_id", "link_id", "sub_id", "referrer", "currency")


@dataclass
class Source:
    """Rows that can be summed: `dims` and `measures` are per-row SQL expressions over `from_`."""

    name: str
    from_: object
    dims: dict
    measures: dict
    period: Callable[[date, date], list]
    where: list = field(default_factory=list)
    # The stored UTC time a raw row is counted by (None for rollup tables).
    moment: object = None
    # Dimensions costly to compute per row: {name: (the raw column, its expression over a column)}.
    # They are computed once per distinct raw value, after the rows are first summed by it.
    late: dict = field(default_factory=dict)

    def has(self, dims: Iterable[str]) -> bool:
        return all(d in self.dims for d in dims)

    def narrowed(self, *conditions) -> "Source":
        return replace(self, where=[*self.where, *conditions])

    def select(self, dims: Sequence[str], filters: dict, start: date | None = None, end: date | None = None,
               measures: Sequence[str] = MEASURES):
        """SELECT dims…, sum(measure)… grouped by `dims`; `filters` maps a dimension to a value or a list."""
        late = [d for d in dims if d in self.late]
        early = {d: (self.late[d][0] if d in late else self.dims[d]) for d in dims}
        summed = [m for m in measures if m in self.measures]
        query = (select(*(column.label(d) for d, column in early.items()),
                        *(func.sum(self.measures[m]).label(m) for m in summed))
                 .select_from(self.from_).where(*self.where))
        if start is not None:
            query = query.where(*self.period(start, end))
        for name, value in filters.items():
            if value is None:
                continue
            column = self.dims[name]
            query = query.where(column.in_(value) if isinstance(value, (list, tuple, set, frozenset)) else
                                column == value)
        query = query.group_by(*early.values()) if dims else query
        if not late:
            return query
        grouped = query.subquery("early")
        outer = {d: (self.late[d][1](grouped.c[d]) if d in late else grouped.c[d]) for d in dims}
        return (select(*(column.label(d) for d, column in outer.items()),
                       *(func.sum(grouped.c[m]).label(m) for m in summed)).group_by(*outer.values()))


def day_starts(day: date, zone_name: str) -> datetime:
    """The naive UTC time `day` begins at in the zone."""
    local = datetime.combine(day, time.min, tzinfo=sql.zone(zone_name))
    return local.astimezone(UTC).replace(tzinfo=None)


def utc_bounds(start: date, end: date, zone_name: str) -> tuple[datetime, datetime]:
    """The naive UTC times from the first moment of `start` to the first moment after `end`, in the zone."""
    return day_starts(start, zone_name), day_starts(end + timedelta(days=1), zone_name)


def _created_between(column, zone_name):
    def period(start, end):
        since, until = utc_bounds(start, end, zone_name)
        return [column >= since, column < until]
    return period


def rollup_source(model) -> Source:
    table = model.__table__
    dims = {c.name: c for c in table.primary_key.columns}
    day = table.c.get("day", table.c.get("month"))
    return Source(table.name, table, dims, {m: table.c[m] for m in MEASURES},
                  lambda start, end: [day >= start, day <= end])


def rollup_sources() -> list[Source]:
    """Smallest first, so the first one that has every dimension a question needs is the cheapest."""
    return [rollup_source(m) for m in DAILY_MODELS]


def monthly_source() -> Source:
    return rollup_source(MonthlyAffiliateStats)


def _click_dims(clicks, campaigns, zone_name, dialect) -> dict:
    return {"day": sql.local_day(clicks.c.created_at, zone_name, dialect), "campaign_id": clicks.c.campaign_id,
            "affiliate_id": clicks.c.affiliate_id, "link_id": clicks.c.link_id,
            "sub_id": func.coalesce(clicks.c.sub1, ""), "referrer": sql.referrer_domain(clicks.c.referrer, dialect),
            "currency": campaigns.c.currency}


def _late_referrer(clicks, dialect) -> dict:
    # A regular expression per click costs more than the rest of a fold; per distinct referrer it is nothing.
    return {"referrer": (clicks.c.referrer, lambda column: sql.referrer_domain(column, dialect))}


def clicks_source(zone_name: str, dialect: str, above: int | None = None, up_to: int | None = None) -> Source:
    """Clicks, with ids in (above, up_to] when given."""
    clicks, campaigns = Click.__table__, Campaign.__table__
    where = []
    if above is not None:
        where.append(clicks.c.id > above)
    if up_to is not None:
        where.append(clicks.c.id <= up_to)
    return Source("clicks", clicks.join(campaigns, campaigns.c.id == clicks.c.campaign_id),
                  _click_dims(clicks, campaigns, zone_name, dialect),
                  {"clicks": literal(1), "unique_clicks": case((clicks.c.is_unique, 1), else_=0)},
                  _created_between(clicks.c.created_at, zone_name), where, clicks.c.created_at,
                  _late_referrer(clicks, dialect))


def _conversion_dims(conversions, zone_name, dialect) -> dict:
    # The click's details are kept on the conversion: they outlive the raw click.
    return {"day": sql.local_day(conversions.c.created_at, zone_name, dialect),
            "campaign_id": conversions.c.campaign_id, "affiliate_id": conversions.c.affiliate_id,
            "link_id": func.coalesce(conversions.c.link_id, 0), "sub_id": func.coalesce(conversions.c.click_sub1, ""),
            "referrer": sql.referrer_domain(conversions.c.click_referrer, dialect),
            "currency": conversions.c.currency}


def _late_conversion_referrer(conversions, dialect) -> dict:
    return {"referrer": (conversions.c.click_referrer, lambda column: sql.referrer_domain(column, dialect))}


def changes_source(zone_name: str, dialect: str, above: int | None = None, up_to: int | None = None) -> Source:
    """Conversion changes not folded yet, with ids in (above, up_to] when given."""
    changes, conversions = ConversionStatsChange.__table__, Conversion.__table__
    joined = changes.join(conversions, conversions.c.id == changes.c.conversion_id)
    where = []
    if above is not None:
        where.append(changes.c.id > above)
    if up_to is not None:
        where.append(changes.c.id <= up_to)
    measures = {c.name: c for c in changes.c if c.name not in ("id", "conversion_id", "created_at")}
    return Source("changes", joined, _conversion_dims(conversions, zone_name, dialect), measures,
                  _created_between(conversions.c.created_at, zone_name), where, conversions.c.created_at,
                  _late_conversion_referrer(conversions, dialect))


def conversions_source(zone_name: str, dialect: str) -> Source:
    """Conversions as they stand, with their ledger entries and paid shares: the raw truth."""
    conversions, ledger, shares = Conversion.__table__, LedgerEntry.__table__, PaidShare.__table__
    by_conversion = (select(ledger.c.conversion_id,
                            func.sum(case((ledger.c.kind == "commission", ledger.c.amount), else_=0)).label("approved"),
                            func.sum(case((ledger.c.kind == "reversal", -ledger.c.amount), else_=0)).label("reversed"))
                     .where(ledger.c.conversion_id.is_not(None), ledger.c.kind.in_(("commission", "reversal")))
                     .group_by(ledger.c.conversion_id).subquery("conversion_ledger"))
    joined = (conversions.outerjoin(by_conversion, by_conversion.c.conversion_id == conversions.c.id)
              .outerjoin(shares, shares.c.conversion_id == conversions.c.id))
    standing = conversions.c.status.in_(STANDING)
    measures = {"conversions": literal(1),
                **{status: case((conversions.c.status == status, 1), else_=0) for status in STATUSES},
                "revenue": case((standing, conversions.c.amount - conversions.c.refunded_amount), else_=0),
                "commission": case((standing, conversions.c.commission - conversions.c.commission_reversed), else_=0),
                "commission_approved": func.coalesce(by_conversion.c.approved, 0),
                "commission_reversed": func.coalesce(by_conversion.c.reversed, 0),
                "paid": case((shares.c.is_paid, 1), else_=0),
                "commission_paid": func.coalesce(shares.c.commission_paid, 0)}
    return Source("conversions", joined, _conversion_dims(conversions, zone_name, dialect), measures,
                  _created_between(conversions.c.created_at, zone_name), [], conversions.c.created_at,
                  _late_conversion_referrer(conversions, dialect))


def live_sources(zone_name: str, dialect: str, click_watermark: int, change_watermark: int) -> list[Source]:
    """The rows the rollup has not counted yet."""
    return [clicks_source(zone_name, dialect, above=click_watermark),
            changes_source(zone_name, dialect, above=change_watermark)]


def raw_sources(zone_name: str, dialect: str) -> list[Source]:
    """Every figure from the raw rows alone."""
    return [clicks_source(zone_name, dialect), conversions_source(zone_name, dialect)]


def merge(rows_by_source: Iterable[Iterable], dims: Sequence[str], measures: Sequence[str] = MEASURES) -> dict:
    """{dims tuple: {measure: total}} summed over the rows of several sources."""
    totals: dict[tuple, dict[str, int]] = {}
    for rows in rows_by_source:
        # Positions found once per source: asking a row for a measure its source lacks costs an exception.
        dim_at = measure_at = None
        for row in rows:
            if dim_at is None:
                fields = row._fields
                dim_at = [fields.index(d) for d in dims]
                measure_at = [(m, fields.index(m)) for m in measures if m in fields]
            key = tuple([row[i] for i in dim_at])
            bucket = totals.get(key)
            if bucket is None:
                bucket = totals[key] = dict.fromkeys(measures, 0)
            for m, i in measure_at:
                value = row[i]
                if value:
                    bucket[m] += int(value)
    return totals

