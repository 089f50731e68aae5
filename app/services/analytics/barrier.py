"""The line the rollup draws between what it has counted and what pages still add from raw rows.

The rollup counts clicks and conversion changes up to an id (its watermark) and pages add the rows
above it, so no row may appear below the watermark after it was drawn. On Postgres ids are taken
from a sequence before the inserting transaction commits, so a row with a lower id can become
visible after one with a higher id. Every writer of those rows therefore holds a shared advisory
lock while it inserts (`writing`), and the rollup reads the highest ids while holding the same lock
exclusively (`writers_held`): at that moment no insert is half done, and every later one takes a
higher id. SQLite lets one writer in at a time, which gives the same guarantee by itself.
"""
from contextlib import contextmanager

from sqlalchemy import text

# Any fixed 64-bit number unique to this purpose among the application's advisory locks.
WRITERS_LOCK = 0x5354_4154_5357_0001
ROLLUP_LOCK = 0x5354_4154_5357_0002


def writing(executor) -> None:
    """Mark the current transaction of `executor` (a session or a connection) as inserting counted rows.

    A no-op outside Postgres. The lock is held until that transaction ends.
    """
    bind = executor.get_bind() if hasattr(executor, "get_bind") else executor
    if bind.dialect.name == "postgresql":
        executor.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": WRITERS_LOCK})


@contextmanager
def writers_held(connection):
    """While inside, no transaction inserts counted rows (Postgres; `connection` is not the reading one)."""
    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": WRITERS_LOCK})
    try:
        yield
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": WRITERS_LOCK})


def try_rollup_lock(connection, wait: bool) -> bool:
    """Take the lock that lets one rollup run at a time (Postgres); without `wait`, False if it is taken."""
    if wait:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ROLLUP_LOCK})
        return True
    return bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ROLLUP_LOCK}))


def release_rollup_lock(connection) -> None:
    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ROLLUP_LOCK})
