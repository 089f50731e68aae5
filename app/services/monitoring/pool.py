"""Database pool figures, reported by each process whenever it takes or returns a connection."""
from sqlalchemy import event

from app.services.monitoring import metrics


def watch_pool(engine) -> None:
    """Keep the pool gauges current from the pool's own events (no work on requests that use no database)."""
    pool = engine.pool
    if not hasattr(pool, "checkedout") or not hasattr(pool, "size"):
        return  # SQLite in memory: one shared connection, nothing to report

    def report(*_args) -> None:
        metrics.db_pool_size.set(pool.size())
        metrics.db_pool_checked_out.set(pool.checkedout())
        # QueuePool counts overflow from -size: below zero means the pool is not full yet.
        metrics.db_pool_overflow.set(max(0, pool.overflow()))

    for name in ("connect", "checkout", "checkin", "close", "invalidate"):
        event.listen(pool, name, report)
