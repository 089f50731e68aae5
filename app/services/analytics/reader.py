"""One page's view of the figures: the rollup and the rows above its watermarks, read consistently.

A `Reader` opens its own connection (REPEATABLE READ on Postgres), so the watermarks, the rollup
rows and the rows above the watermarks all come from one snapshot and nothing is counted twice or
missed while the rollup job commits. Rollup answers go through the Redis cache; the rows above the
watermarks are read once per page at the finest grain and summed in Python for every question; the
clicks among them at most once every few seconds per scope (live_cache.py).
With `from_raw` (default: the ANALYTICS_FROM_RAW setting) every answer is computed from the raw rows
instead: slow at any size, the check of the rollup and the benchmark's baseline.
"""
from collections.abc import Sequence
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models.analytics import MEASURES, RobotClicks, StatsState
from app.services.analytics import cache, live_cache
from app.services.analytics.periods import Period
from app.services.analytics.scope import Filters, Scope
from app.services.analytics.sources import (
    FINE_DIMS,
    live_sources,
    merge,
    monthly_source,
    raw_sources,
    rollup_sources,
)


def month_start(day: date) -> date:
    return day.replace(day=1)


def _full_months(period: Period) -> tuple[date, date] | None:
    """The first and last day of the whole calendar months inside the period, if there are any."""
    first = period.start if period.start.day == 1 else month_start(period.start + timedelta(days=32))
    after = period.end + timedelta(days=1)
    last = (after if after.day == 1 else month_start(after)) - timedelta(days=1)
    return (first, last) if first <= last else None


class Reader:
    def __init__(self, scope: Scope, filters: Filters, zone_name: str, *, from_raw: bool | None = None):
        if from_raw is None:
            from_raw = current_app.config["ANALYTICS_FROM_RAW"]
        self.scope, self.filters, self.zone_name, self.from_raw = scope, filters, zone_name, from_raw
        self.conditions = filters.conditions(scope)
        self._connection = None
        self._live = None
        self.version = self.click_watermark = self.change_watermark = 0

    def __enter__(self) -> "Reader":
        self._connection = db.engine.connect()
        if self._connection.dialect.name == "postgresql":
            self._connection.execution_options(isolation_level="REPEATABLE READ")
        self._connection.begin()
        state = self._connection.execute(select(StatsState.__table__).where(StatsState.id == 1)).first()
        if state is not None:
            self.version, self.click_watermark, self.change_watermark = (
                state.version, state.click_watermark, state.change_watermark)
        return self

    def __exit__(self, *exc) -> None:
        self._connection.rollback()
        self._connection.close()

    @property
    def dialect(self) -> str:
        return self._connection.dialect.name

    def grouped(self, dims: Sequence[str], period: Period, measures: Sequence[str] = MEASURES,
                only: dict | None = None) -> dict[tuple, dict[str, int]]:
        """{(dim values…): {measure: total}} over the period; `only` narrows further (dimension → values)."""
        conditions = {**self.conditions, **(only or {})}
        if self.from_raw:
            return self._summed(raw_sources(self.zone_name, self.dialect), dims, conditions, period, measures)
        stored = cache.cached(
            cache.key(self.version, "rollup", list(dims), conditions, period.start, period.end, list(measures)),
            dims, measures, lambda: self._rollup(dims, conditions, period, measures))
        for group, figures in self._live_groups(dims, conditions, period, measures).items():
            bucket = stored.setdefault(group, dict.fromkeys(measures, 0))
            for name, value in figures.items():
                bucket[name] += value
        return stored

    def _summed(self, sources, dims, conditions, period, measures) -> dict:
        by_day = ["day" if d == "month" else d for d in dims]
        results = [self._connection.execute(source.select(by_day, conditions, period.start, period.end, measures))
                   for source in sources]
        return self._to_months(merge(results, by_day, measures), dims) if "month" in dims else \
            merge(results, dims, measures)

    @staticmethod
    def _to_months(grouped: dict, dims) -> dict:
        at = list(dims).index("month")
        months: dict = {}
        for group, figures in grouped.items():
            key = (*group[:at], month_start(group[at]), *group[at + 1:])
            bucket = months.setdefault(key, dict.fromkeys(figures, 0))
            for name, value in figures.items():
                bucket[name] += value
        return months

    def _rollup(self, dims, conditions, period, measures) -> dict:
        needed = set(dims) | set(conditions)
        monthly = monthly_source()
        if "month" in dims:
            return self._run([(monthly, month_start(period.start), period.end)], dims, conditions, measures)
        daily = next(source for source in rollup_sources() if source.has(needed))
        full = _full_months(period)
        if "day" in dims or daily.name == "stats_daily_campaigns" or not monthly.has(needed) or full is None:
            return self._run([(daily, period.start, period.end)], dims, conditions, measures)
        first, last = full
        return self._run([(daily, period.start, first - timedelta(days=1)), (monthly, first, last),
                          (daily, last + timedelta(days=1), period.end)], dims, conditions, measures)

    def _run(self, parts, dims, conditions, measures) -> dict:
        results = [self._connection.execute(source.select(dims, conditions, start, end, measures))
                   for source, start, end in parts if start <= end]
        return merge(results, dims, measures)

    def _live_groups(self, dims, conditions, period, measures) -> dict:
        if self._live is None:
            self._live = self._read_live()
        extra = {name: value for name, value in conditions.items() if name not in self.conditions}
        grouped: dict = {}
        for part in self._live:
            for group, figures in part.items():
                row = dict(zip(FINE_DIMS, group, strict=True))
                if not period.start <= row["day"] <= period.end or not _matches(row, extra):
                    continue
                row["month"] = month_start(row["day"])
                bucket = grouped.setdefault(tuple(row[d] for d in dims), dict.fromkeys(measures, 0))
                for name in measures:
                    bucket[name] += figures.get(name, 0)
        return grouped

    def _read_live(self) -> list[dict]:
        """The sums above the watermarks at the finest grain: the clicks' from live_cache (seconds old at
        most), the conversion changes' read now. Two parts, added up by whoever reads them."""
        clicks, changes = live_sources(self.zone_name, self.dialect, self.click_watermark, self.change_watermark)
        click_key = live_cache.key(current_app.config["SQLALCHEMY_DATABASE_URI"], self.zone_name, self.version,
                                   self.click_watermark, self.conditions)
        click_sums = live_cache.cached(
            click_key, current_app.config["ANALYTICS_LIVE_SECONDS"],
            lambda: merge([self._connection.execute(clicks.select(FINE_DIMS, self.conditions))], FINE_DIMS))
        change_sums = merge([self._connection.execute(changes.select(FINE_DIMS, self.conditions))], FINE_DIMS)
        return [click_sums, change_sums]

    def robot_clicks(self, period: Period) -> int:
        """Robot visits over the period, within the filters that apply to them (not sub-IDs)."""
        table = RobotClicks.__table__
        query = select(table.c.robot_clicks).where(table.c.day >= period.start, table.c.day <= period.end)
        for name in ("campaign_id", "affiliate_id", "link_id"):
            value = self.conditions.get(name)
            if value is not None:
                query = query.where(table.c[name].in_(value) if isinstance(value, list) else table.c[name] == value)
        return int(self._connection.scalar(select(func.coalesce(func.sum(query.subquery().c.robot_clicks), 0))))


def _matches(row: dict, conditions: dict) -> bool:
    for name, value in conditions.items():
        if isinstance(value, (list, tuple, set, frozenset)):
            if row[name] not in value:
                return False
        elif row[name] != value:
            return False
    return True
