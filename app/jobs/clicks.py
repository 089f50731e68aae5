"""Click jobs: storage (a backstop for the `flask tracking drain` process), monthly partitions, retention."""
from app.services.tracking import drain, prune


def drain_clicks_job(max_items: int = 100_000) -> int:
    """Store the clicks waiting in Redis and in this host's spool files (safe to run twice, or beside the drain)."""
    return drain.drain_once(max_items=max_items)


def make_click_partitions_job() -> int:
    """Make the monthly click partitions ahead (Postgres); returns how many were made (safe to run twice)."""
    return len(prune.make_partitions_ahead())


def prune_clicks_job() -> int:
    """Drop months of raw clicks past the retention period whose figures the rollups hold; returns clicks dropped."""
    return sum(month.clicks or 0 for month in prune.prune() if month.drop)
