"""Raw clicks are kept a number of months; older months go once the rollup holds all their figures.

A month of clicks (a calendar month in UTC, as the click tables are split by month) is dropped only
when it is older than the retention period and every click of it lies at or below the rollup's
click watermark: its figures then live in the rollup, which keeps them for good. The first local
month whose clicks are all still raw is remembered (`stats_state.raw_clicks_from`), so a rebuild
keeps the click figures before it instead of counting them again from nothing. A prune and a
rollup run never overlap: both take the rollup's lock.

The months themselves are listed and dropped by the click store's partition functions, handed in
as `list_months` and `drop_month` (monthly partitions on Postgres, a batched delete on SQLite).
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from loguru import logger
from sqlalchemy import func, select, update

from app.extensions import db
from app.models.analytics import StatsState
from app.models.tracking import Click
from app.services.analytics import barrier, sql
from app.services.analytics.cohorts import add_months
from app.services.analytics.sources import day_starts


@dataclass
class Month:
    month: date
    drop: bool
    reason: str
    clicks: int | None = None


def _highest_id(month: date) -> int | None:
    return db.session.scalar(select(func.max(Click.id)).where(
        Click.created_at >= datetime.combine(month, time.min),
        Click.created_at < datetime.combine(add_months(month, 1), time.min)))


def plan(list_months: Callable[[], list[date]], keep_months: int, now: datetime) -> list[Month]:
    """What a prune would do with each month of raw clicks, oldest first."""
    keep_from = add_months(date(now.year, now.month, 1), -keep_months)
    state = db.session.get(StatsState, 1)
    watermark = state.click_watermark if state else 0
    months = []
    for month in list_months():
        if month >= keep_from:
            months.append(Month(month, False, "within the retention period"))
            continue
        highest = _highest_id(month)
        if highest is not None and highest > watermark:
            months.append(Month(month, False, "not counted by the rollup yet"))
        else:
            months.append(Month(month, True, "older than the retention period and counted"))
    return months


def first_whole_local_month(dropped_utc_month: date, zone_name: str) -> date:
    """The first local month all of whose clicks are kept once UTC months up to this one are gone."""
    kept_from = datetime.combine(add_months(dropped_utc_month, 1), time.min)
    day = sql.local_day_of(kept_from, zone_name)
    if day_starts(day, zone_name) < kept_from:
        day += timedelta(days=1)
    return day if day.day == 1 else add_months(day.replace(day=1), 1)


def prune(list_months: Callable[[], list[date]], drop_month: Callable[[date], int], keep_months: int,
          zone_name: str, *, dry_run: bool = False, now: datetime) -> list[Month]:
    """Drop the months `plan` marks (none with `dry_run`); returns the plan, with the clicks each lost."""
    engine = db.engine
    with engine.connect() as control:
        postgres = engine.dialect.name == "postgresql"
        if postgres:
            control.execution_options(isolation_level="AUTOCOMMIT")
            barrier.try_rollup_lock(control, wait=True)
        try:
            months = plan(list_months, keep_months, now)
            db.session.rollback()
            for month in months if not dry_run else ():
                if month.drop:
                    month.clicks = drop_month(month.month)
                    _keep_raw_from(first_whole_local_month(month.month, zone_name))
                    logger.info("clicks of {:%Y-%m} dropped ({} rows); their figures stay in the rollup",
                                month.month, month.clicks)
            return months
        finally:
            if postgres:
                barrier.release_rollup_lock(control)


def _keep_raw_from(first_month: date) -> None:
    state = db.session.get(StatsState, 1)
    if state is None:
        return  # the rollup never ran: only months without clicks could go, nothing to remember
    if state.raw_clicks_from is None or state.raw_clicks_from < first_month:
        db.session.execute(update(StatsState).where(StatsState.id == 1).values(raw_clicks_from=first_month))
    db.session.commit()
