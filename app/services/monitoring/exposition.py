"""Putting `/metrics` together: the counters of every process, then the state read now."""
import os

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from app.services.monitoring.state import StateCollector


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render(collector) -> tuple[bytes, str]:
    if multiprocess_dir():
        # Every gunicorn worker's file, live or exited (counters of an exited worker still count).
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    state = CollectorRegistry(auto_describe=False)
    state.register(collector)
    return generate_latest(counted) + generate_latest(state), CONTENT_TYPE_LATEST


def state_collector(app) -> StateCollector:
    """The app's state collector, made once per process."""
    collector = app.extensions.get("metrics_state")
    if collector is None:
        collector = app.extensions["metrics_state"] = _build(app)
    return collector


def _build(app) -> StateCollector:
    # Imported here: these modules import the app's services, which import this package.
    from app.extensions import redis_connection
    from app.jobs.queue import QUEUES
    from app.schedule import RECURRING
    from app.services.tracking import buffer, spool

    return StateCollector(redis_connection=redis_connection, queues=QUEUES,
                          recurring=[(job.name, job.cron) for job in RECURRING],
                          spool_dir=spool.spool_dir, failed_spool_name=spool.FAILED_FILE,
                          stream=buffer.stream_name)
