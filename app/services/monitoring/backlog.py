"""Work waiting somewhere, read at scrape time: clicks in the stream and the spool, jobs in the RQ queues."""
import os
import time
from datetime import UTC, datetime

from croniter import croniter

SPOOL_PREFIX = "clicks-"


def stream_backlog(connection, stream: str) -> tuple[int, float]:
    """Clicks in the Redis stream (the drain deletes what it stored) and the age of the oldest, in seconds."""
    pipe = connection.pipeline(transaction=False)
    pipe.xlen(stream)
    pipe.xrange(stream, "-", "+", count=1)
    depth, first = pipe.execute()
    if not first:
        return int(depth), 0.0
    entry_id = first[0][0]
    millis = int((entry_id.decode() if isinstance(entry_id, bytes) else entry_id).partition("-")[0])
    return int(depth), max(0.0, time.time() - millis / 1000)


def spool_backlog(directory: str, failed_name: str) -> tuple[int, float, int]:
    """Clicks waiting in this host's spool files, the age of the oldest, and clicks set aside for good."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return 0, 0.0, 0
    waiting, oldest, set_aside = 0, None, 0
    for name in names:
        path = os.path.join(directory, name)
        if name == failed_name:
            set_aside = _count_lines(path)
        elif name.startswith(SPOOL_PREFIX):
            lines = _count_lines(path)
            waiting += lines
            if lines:
                started = _first_click_time(path)
                oldest = started if oldest is None or (started is not None and started < oldest) else oldest
    age = max(0.0, time.time() - oldest) if oldest is not None else 0.0
    return waiting, age, set_aside


def _count_lines(path: str) -> int:
    try:
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except FileNotFoundError:  # the drain just finished it
        return 0


def _first_click_time(path: str) -> float | None:
    """When the first click of a spool file was made (files are appended in time order)."""
    import json

    try:
        with open(path, "rb") as handle:
            first = json.loads(handle.readline())
        made = datetime.fromisoformat(first["created_at"])
        # Clicks carry naive UTC times (as stored in the database).
        return (made if made.tzinfo else made.replace(tzinfo=UTC)).timestamp()
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        try:
            return os.stat(path).st_mtime
        except FileNotFoundError:
            return None


def queue_state(connection, queues) -> tuple[dict, dict]:
    """Per queue: jobs by state (queued, started, failed, scheduled, deferred) and the workers listening."""
    from rq import Queue, Worker

    jobs, workers = {}, {}
    for name in queues:
        queue = Queue(name, connection=connection)
        jobs[name] = {
            "queued": queue.count, "started": queue.started_job_registry.count,
            "failed": queue.failed_job_registry.count, "scheduled": queue.scheduled_job_registry.count,
            "deferred": queue.deferred_job_registry.count,
        }
        workers[name] = Worker.count(connection=connection, queue=queue)
    return jobs, workers


def cron_interval(expression: str) -> float:
    """Seconds between two runs of a cron expression (the shortest gap within a day of runs)."""
    runs = croniter(expression, datetime(2026, 1, 5, 0, 0))
    times = [runs.get_next(float) for _ in range(25)]
    return min(b - a for a, b in zip(times, times[1:], strict=False))
