"""Months of raw clicks: monthly partitions of `clicks` on Postgres, one table on SQLite.

On Postgres `clicks` is partitioned by range of `created_at`, one partition per calendar month in
UTC (`clicks_2026_12`), plus `clicks_default` for any click outside them (a clock far off, or a month
whose partition is not made yet), so storing a click never fails for want of a partition. A daily
job makes the partitions a few months ahead (`ensure_ahead`); should clicks of a month already sit
in the default partition, they move into the month's new partition in the same transaction.

Retention lists the months that hold raw clicks (`months`) and drops one whole (`drop_month`): a
partition is detached and dropped at once, with nothing left for vacuum; clicks of the month in the
default partition, or on SQLite, are deleted in batches, each its own short transaction.
"""
import re
import time
from datetime import date, datetime

from loguru import logger
from sqlalchemy import bindparam, exists, func, select, text
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models.tracking import Click
from app.services.analytics.cohorts import add_months

DEFAULT = "clicks_default"
DELETE_BATCH = 5_000
# DDL on the clicks table waits at most this long for its lock, so it never queues the click drain
# behind a long report for long; it is tried again a few times.
LOCK_TIMEOUT = "5s"
LOCK_ATTEMPTS = 3
# Any fixed 64-bit number unique to this purpose among the application's advisory locks.
PARTITION_LOCK = 0x434C_4943_4B50_0001
_BOUND = re.compile(r"FROM \('(\d{4})-(\d{2})-01 00:00:00'\) TO \('(\d{4})-(\d{2})-01 00:00:00'\)")


def month_of(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def name_of(month: date) -> str:
    return f"clicks_{month:%Y_%m}"


def is_partitioned() -> bool:
    """True when `clicks` is a partitioned table (Postgres after the partitioning migration)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return False
    return db.session.scalar(text("SELECT relkind FROM pg_class WHERE oid = to_regclass('clicks')")) == "p"


def partitions() -> dict[date, str]:
    """{month: partition name} of the monthly partitions (not the default one)."""
    rows = db.session.execute(text(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass('clicks')"))
    found = {}
    for name, bound in rows:
        match = _BOUND.search(bound or "")
        if match:
            found[date(int(match[1]), int(match[2]), 1)] = name
    return found


def ensure_ahead(months_ahead: int, now: datetime) -> list[date]:
    """Make the partitions of this month and the next `months_ahead` ones that are missing; returns their months."""
    return ensure_months(month_of(now), add_months(month_of(now), months_ahead))


def ensure_months(first: date, last: date) -> list[date]:
    """Make the missing partitions of the months from `first` to `last`; returns their months (none on SQLite)."""
    if not is_partitioned():
        return []
    created = []
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PARTITION_LOCK})
    existing = partitions()
    month = month_of(first)
    while month <= last:
        if month not in existing:
            _locked_ddl(lambda month=month: _create(month))
            created.append(month)
            logger.info("click partition {} created", name_of(month))
        month = add_months(month, 1)
    if _has_default():
        # Clicks of months without a partition (a clock far off, a restore): they are pruned by deletes, not
        # whole, and every query for a time range reads them too; worth an operator's look if they pile up.
        stray = db.session.scalar(text(f"SELECT count(*) FROM {DEFAULT}"))  # noqa: S608
        if stray:
            logger.warning("{} clicks wait in the default partition {}", stray, DEFAULT)
    db.session.commit()
    return created


def _create(month: date) -> None:
    name, start, end = name_of(month), month.isoformat(), add_months(month, 1).isoformat()
    db.session.execute(text(f"CREATE TABLE {name} (LIKE clicks INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    if _has_default():
        moved = db.session.execute(text(
            f"WITH moved AS (DELETE FROM {DEFAULT} WHERE created_at >= :start AND created_at < :end "  # noqa: S608
            f"RETURNING *) INSERT INTO {name} SELECT * FROM moved"), {"start": start, "end": end}).rowcount
        if moved:
            logger.warning("{} clicks of {:%Y-%m} moved from the default partition to {}", moved, month, name)
    db.session.execute(text(f"ALTER TABLE clicks ATTACH PARTITION {name} FOR VALUES FROM ('{start}') TO ('{end}')"))


def _has_default() -> bool:
    return db.session.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": DEFAULT})


def _locked_ddl(work) -> None:
    """Run `work` (DDL on clicks) in a savepoint with a lock timeout, trying again if the lock was not had."""
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            with db.session.begin_nested():
                db.session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
                work()
            return
        except OperationalError as exc:
            if "lock timeout" not in str(exc.orig) or attempt == LOCK_ATTEMPTS:
                raise
            logger.info("clicks table busy; trying again ({}/{})", attempt, LOCK_ATTEMPTS)
            time.sleep(attempt)


def months() -> list[date]:
    """The months that hold raw clicks, oldest first (on Postgres also every monthly partition, empty or not)."""
    found = set(partitions()) if is_partitioned() else set()
    oldest, newest = db.session.execute(select(func.min(Click.created_at), func.max(Click.created_at))).one()
    if oldest is not None:
        month, last = month_of(oldest), month_of(newest)
        while month <= last:
            if month not in found and db.session.scalar(select(exists().where(*_within(month)))):
                found.add(month)
            month = add_months(month, 1)
    db.session.rollback()
    return sorted(found)


def _within(month: date) -> list:
    return [Click.created_at >= datetime(month.year, month.month, 1),
            Click.created_at < datetime.combine(add_months(month, 1), datetime.min.time())]


def drop_month(month: date) -> int:
    """Remove every raw click of `month` (UTC); returns how many went."""
    dropped = 0
    if is_partitioned():
        name = partitions().get(month)
        if name is not None:
            dropped = db.session.scalar(text(f"SELECT count(*) FROM {name}"))  # noqa: S608
            _locked_ddl(lambda: db.session.execute(text(f"ALTER TABLE clicks DETACH PARTITION {name}")))
            db.session.execute(text(f"DROP TABLE {name}"))
            db.session.commit()
            logger.info("click partition {} dropped", name)
    return dropped + _delete_in_batches(month)


def _delete_in_batches(month: date) -> int:
    """Delete the month's clicks a batch at a time (SQLite, or the default partition on Postgres)."""
    batch = select(Click.id).where(*_within(month)).limit(bindparam("size")).scalar_subquery()
    # The time bounds outside the subquery too: Postgres then reads only the partitions of that month.
    statement = Click.__table__.delete().where(*_within(month), Click.id.in_(batch))
    deleted = 0
    while True:
        count = db.session.execute(statement, {"size": DELETE_BATCH}).rowcount
        db.session.commit()
        deleted += count
        if count < DELETE_BATCH:
            return deleted
