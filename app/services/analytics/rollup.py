"""The rollup job: folds new clicks and conversion changes into the rollup tables.

`run()` is incremental: it counts the clicks and conversion changes above the watermarks kept in
`stats_state`, refreshes which commission counts as paid for the affiliates concerned, copies the
robot counts, and moves the watermarks — all in one transaction, so a crash leaves nothing half
counted. One run at a time: a second one started meanwhile returns at once (Postgres) or waits
(SQLite), and then finds nothing new. `rebuild(since)` recomputes every figure from the first day
of `since`'s month on from the raw rows (all of them without `since`); click figures of months whose
raw clicks were dropped are kept as they are.
"""
import time
from dataclasses import dataclass
from datetime import date

from flask import current_app
from loguru import logger
from sqlalchemy import delete, func, select, text, update

from app.extensions import db, redis_connection
from app.models.analytics import (
    CONVERSION_MEASURES,
    PAID_MEASURES,
    ROLLUP_MODELS,
    ConversionStatsChange,
    PaidShare,
    StatsState,
)
from app.models.common import utcnow
from app.models.tracking import Click
from app.services.analytics import barrier, fold, paid, robots, sql
from app.services.analytics.fold import dialect_insert
from app.services.analytics.sources import changes_source, clicks_source, conversions_source, day_starts

STATE_ID = 1


@dataclass
class Outcome:
    clicks: int = 0  # ids of clicks counted (their span above the old watermark)
    changes: int = 0
    paid_changes: int = 0
    robot_rows: int = 0
    rebuilt_from: date | None = None
    rebuilt: bool = False
    skipped: bool = False
    seconds: float = 0.0


@dataclass(frozen=True)
class Marks:
    click: int
    change: int


def zone_name() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def run(wait: bool = False) -> Outcome:
    """Count what came since the last run; with `wait`, wait for a run in progress instead of skipping."""
    return _locked(_fold_new, wait)


def rebuild(since: date | None = None) -> Outcome:
    """Recompute the figures from the first day of `since`'s month on (everything without it)."""
    return _locked(lambda conn, state, marks: _rebuild(conn, state, marks, since), wait=True)


def _locked(work, wait: bool) -> Outcome:
    started = time.monotonic()
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as control:
            control.execution_options(isolation_level="AUTOCOMMIT")
            if not barrier.try_rollup_lock(control, wait):
                logger.info("stats rollup already running; this run skipped")
                return Outcome(skipped=True)
            try:
                with engine.connect() as conn:
                    conn.execution_options(isolation_level="REPEATABLE READ")
                    with conn.begin():
                        # The snapshot is taken by the first statement, while no counted row is half inserted.
                        with barrier.writers_held(control):
                            state, marks = _state(conn), _marks(conn)
                        outcome = work(conn, state, marks)
                        _finish(conn, state, marks, outcome, started)
                if outcome.rebuilt:
                    # A rebuild deletes and rewrites rows: give the space back at once (reads would wade
                    # through the dead rows until autovacuum came by) and refresh the planner's statistics.
                    control.execute(text("VACUUM (ANALYZE) " + ", ".join(m.__tablename__ for m in ROLLUP_MODELS)))
            finally:
                barrier.release_rollup_lock(control)
    else:
        _ensure_state_row()
        with engine.begin() as conn:
            # Writing first takes SQLite's write lock: no other writer until this transaction ends.
            conn.execute(update(StatsState).where(StatsState.id == STATE_ID).values(version=StatsState.version))
            state, marks = _state(conn), _marks(conn)
            outcome = work(conn, state, marks)
            _finish(conn, state, marks, outcome, started)
    outcome.seconds = time.monotonic() - started
    logger.info("stats rollup: {}", outcome)
    return outcome


def _ensure_state_row() -> None:
    with db.engine.begin() as conn:
        conn.execute(dialect_insert(conn.dialect.name)(StatsState).values(
            id=STATE_ID, click_watermark=0, change_watermark=0, version=0).on_conflict_do_nothing())


def _state(conn):
    conn.execute(dialect_insert(conn.dialect.name)(StatsState).values(
        id=STATE_ID, click_watermark=0, change_watermark=0, version=0).on_conflict_do_nothing())
    return conn.execute(select(StatsState.__table__).where(StatsState.id == STATE_ID)).one()


def _marks(conn) -> Marks:
    return Marks(conn.scalar(select(func.coalesce(func.max(Click.id), 0))),
                 conn.scalar(select(func.coalesce(func.max(ConversionStatsChange.id), 0))))


def _fold_new(conn, state, marks: Marks) -> Outcome:
    zone = zone_name()
    if state.timezone is not None and state.timezone != zone:
        logger.warning("stats: display time zone changed from {} to {}; rebuilding every figure",
                       state.timezone, zone)
        return _rebuild(conn, state, marks, None)
    dialect, outcome = conn.dialect.name, Outcome()
    click_mark, change_mark = max(marks.click, state.click_watermark), max(marks.change, state.change_watermark)
    fold.start_batch(conn)
    if click_mark > state.click_watermark:
        fold.add_from(conn, clicks_source(zone, dialect, above=state.click_watermark, up_to=click_mark))
        outcome.clicks = click_mark - state.click_watermark
    changed = None
    if change_mark > state.change_watermark:
        fold.add_from(conn, changes_source(zone, dialect, above=state.change_watermark, up_to=change_mark))
        changed = select(ConversionStatsChange.conversion_id).where(
            ConversionStatsChange.id > state.change_watermark, ConversionStatsChange.id <= change_mark)
        outcome.changes = change_mark - state.change_watermark
    paid_rows = paid.refresh(conn, paid.affiliates_to_check(conn, state.paid_checked_at, changed), zone)
    fold.add_rows(conn, paid_rows)
    outcome.paid_changes = len(paid_rows)
    if outcome.clicks or outcome.changes or paid_rows:
        fold.fold_batch(conn)
    fold.end_batch(conn)
    conn.execute(delete(ConversionStatsChange).where(ConversionStatsChange.id <= change_mark))
    outcome.robot_rows = robots.copy_counts(conn, redis_connection(), sql.local_day_of(utcnow(), zone))
    return outcome


def _rebuild(conn, state, marks: Marks, since: date | None) -> Outcome:
    zone, dialect = zone_name(), conn.dialect.name
    since = since.replace(day=1) if since else None
    kept = state.raw_clicks_from
    click_since = max(since, kept) if since and kept else (since or kept)
    if click_since == since:
        fold.drop_rows(conn, since)
    else:  # raw clicks before `click_since` are gone: keep their click figures
        fold.zero(conn, CONVERSION_MEASURES, since, click_since)
        fold.drop_rows(conn, click_since)
    fold.zero(conn, PAID_MEASURES)
    conn.execute(delete(PaidShare))
    fold.start_batch(conn)
    clicks = clicks_source(zone, dialect)
    if click_since is not None:
        begins = day_starts(click_since, zone)
        fold.add_from(conn, clicks.narrowed(Click.id > state.click_watermark, Click.id <= marks.click,
                                            clicks.moment < begins))
        clicks = clicks.narrowed(clicks.moment >= begins)
    fold.add_from(conn, clicks)
    conversions = conversions_source(zone, dialect)
    if since is not None:
        begins = day_starts(since, zone)
        changes = changes_source(zone, dialect, above=state.change_watermark, up_to=marks.change)
        fold.add_from(conn, changes.narrowed(changes.moment < begins))
        conversions = conversions.narrowed(conversions.moment >= begins)
    fold.add_from(conn, conversions, measures=CONVERSION_MEASURES)
    paid_rows = paid.refresh(conn, paid.affiliates_to_check(conn, None, None), zone)
    fold.add_rows(conn, paid_rows)
    fold.fold_batch(conn)
    fold.end_batch(conn)
    fold.drop_empty_rows(conn)
    conn.execute(delete(ConversionStatsChange).where(ConversionStatsChange.id <= marks.change))
    return Outcome(clicks=marks.click - state.click_watermark, changes=marks.change - state.change_watermark,
                   paid_changes=len(paid_rows), rebuilt_from=since, rebuilt=True)


def _finish(conn, state, marks: Marks, outcome: Outcome, started: float) -> None:
    changed = outcome.rebuilt or outcome.clicks or outcome.changes or outcome.paid_changes or outcome.robot_rows
    conn.execute(update(StatsState).where(StatsState.id == STATE_ID).values(
        click_watermark=max(marks.click, state.click_watermark),
        change_watermark=max(marks.change, state.change_watermark),
        version=StatsState.version + (1 if changed else 0), timezone=zone_name(), paid_checked_at=utcnow(),
        rolled_at=utcnow(), last_duration_ms=int((time.monotonic() - started) * 1000)))
