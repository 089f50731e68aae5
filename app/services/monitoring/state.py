"""The metrics read when Prometheus asks: reachability, backlogs, queues, schedule, business totals, disk.

Each part is read on its own: a database that does not answer sets `affiliate_database_up 0` and
leaves out the business totals, but the Redis and disk figures are still reported.
"""
import shutil
import time
from pathlib import Path

from flask import current_app
from loguru import logger
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text

from app.extensions import db
from app.services.monitoring import backlog, business, records

PREFIX = "affiliate_"


def _gauge(name: str, documentation: str, labels=(), samples=()):
    family = GaugeMetricFamily(PREFIX + name, documentation, labels=list(labels))
    for label_values, value in samples:
        family.add_metric(list(label_values), value)
    return family


class StateCollector:
    """A prometheus_client collector; `collect()` runs inside the request for /metrics (an app context)."""

    def __init__(self, redis_connection, queues, recurring, spool_dir, failed_spool_name, stream):
        self.redis = redis_connection          # callable returning the Redis client or None
        self.queues = queues
        self.recurring = recurring             # (name, cron) pairs
        self.spool_dir = spool_dir             # callable returning the spool folder
        self.failed_spool_name = failed_spool_name
        self.stream = stream                   # callable returning the click stream's name

    def describe(self):
        return []  # read at collection time only

    def collect(self):
        buffers = {}  # buffer -> (clicks waiting, age of the oldest)
        yield from self._database()
        yield from self._redis(buffers)
        yield from self._spool(buffers)
        yield _gauge("click_buffer_clicks", "Clicks recorded but not stored in the database yet, by buffer "
                     "(the Redis stream; this host's spool files).", ("buffer",),
                     (((name,), depth) for name, (depth, _age) in buffers.items()))
        yield _gauge("click_buffer_oldest_age_seconds", "Age of the oldest click not stored yet (0 when none).",
                     ("buffer",), (((name,), age) for name, (_depth, age) in buffers.items()))
        yield from self._disk()

    def _database(self):
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            up = 1
        except Exception as exc:
            logger.debug("metrics: database unreachable: {}", type(exc).__name__)
            up = 0
        yield _gauge("database_up", "1 when the database answers a query, else 0.", samples=[((), up)])
        if not up:
            return
        try:
            totals = business.totals()
        except Exception as exc:
            logger.warning("metrics: business totals not read: {}", type(exc).__name__)
            return
        yield _gauge("conversions", "Conversions recorded, by source and current status.", ("source", "status"),
                     ((key, count) for key, count in sorted(totals["conversions"].items())))
        yield _gauge("revenue_minor_units", "Order amounts less refunds, in minor units, by currency and status.",
                     ("currency", "status"), sorted(totals["revenue"].items()))
        yield _gauge("commission_minor_units", "Commission less reversals, in minor units, by currency and status.",
                     ("currency", "status"), sorted(totals["commission"].items()))
        yield _gauge("payout_requests", "Payout requests by current status.", ("status",),
                     (((status,), count) for status, count in sorted(totals["payouts"].items())))
        yield _gauge("payout_amount_minor_units", "Payout request amounts in minor units, by currency and status.",
                     ("currency", "status"), sorted(totals["payout_amounts"].items()))

    def _redis(self, buffers: dict):
        connection = self.redis()
        if connection is None:
            return
        try:
            connection.ping()
            up = 1
        except Exception as exc:
            logger.debug("metrics: Redis unreachable: {}", type(exc).__name__)
            up = 0
        yield _gauge("redis_up", "1 when Redis answers, else 0 (absent without REDIS_URL).", samples=[((), up)])
        if not up:
            return
        try:
            depth, age = backlog.stream_backlog(connection, self.stream())
            jobs, workers = backlog.queue_state(connection, self.queues)
            successes = records.job_successes(connection, [name for name, _cron in self.recurring])
            verification = records.ledger_verification(connection)
        except Exception as exc:
            logger.warning("metrics: Redis figures not read: {}: {}", type(exc).__name__, exc)
            return
        buffers["stream"] = (depth, age)
        yield _gauge("rq_jobs", "Background jobs by queue and state.", ("queue", "state"),
                     (((queue, state), count) for queue, states in jobs.items() for state, count in states.items()))
        yield _gauge("rq_workers", "Workers listening on each queue.", ("queue",),
                     (((queue,), count) for queue, count in workers.items()))
        yield _gauge("scheduled_job_last_success_timestamp_seconds",
                     "When each recurring job last succeeded (or was first expected, if never).", ("name",),
                     (((name,), at) for name, at in sorted(successes.items())))
        yield _gauge("scheduled_job_interval_seconds", "How often each recurring job is due.", ("name",),
                     (((name,), backlog.cron_interval(cron)) for name, cron in self.recurring))
        if verification is not None:
            yield _gauge("ledger_verify_last_run_timestamp_seconds", "When the ledger was last verified.",
                         samples=[((), verification["at"])])
            yield _gauge("ledger_verify_differences", "Differences the last ledger verification found.",
                         samples=[((), verification["differences"])])

    def _spool(self, buffers: dict):
        waiting, age, set_aside = backlog.spool_backlog(self.spool_dir(), self.failed_spool_name)
        buffers["spool"] = (waiting, age)
        yield _gauge("click_spool_set_aside_clicks", "Clicks the database refused for good, kept for a person.",
                     samples=[((), set_aside)])

    def _disk(self):
        folder = Path(current_app.config.get("UPLOAD_DIR") or Path(current_app.instance_path) / "uploads")
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        usage = shutil.disk_usage(folder)
        yield _gauge("upload_disk_free_bytes", "Free space on the disk holding uploaded files.",
                     samples=[((), usage.free)])
        yield _gauge("upload_disk_size_bytes", "Size of the disk holding uploaded files.",
                     samples=[((), usage.total)])
        yield _gauge("metrics_generated_timestamp_seconds", "When these figures were read.",
                     samples=[((), time.time())])
