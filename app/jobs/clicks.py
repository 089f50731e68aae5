"""Click storage as a job: a backstop for the `flask tracking drain` process."""
from app.services.tracking import drain


def drain_clicks_job(max_items: int = 100_000) -> int:
    """Store the clicks waiting in Redis and in this host's spool files (safe to run twice, or beside the drain)."""
    return drain.drain_once(max_items=max_items)
