"""The one door to background jobs: enqueued to RQ when Redis is configured, run in-process otherwise."""
from collections.abc import Callable
from importlib import import_module

from flask import current_app
from loguru import logger

from app.extensions import redis_connection

# Every queue a worker listens on when started without names (`python worker.py`).
QUEUES = ("default", "emails")


def _function(job: str | Callable) -> Callable:
    if callable(job):
        return job
    module, _, name = job.rpartition(".")
    return getattr(import_module(module), name)


def enqueue(job: str | Callable, *args, queue: str = "default", retry=None, **kwargs):
    """Run `job(*args, **kwargs)` in a worker, or right here when there is no Redis.

    `job` is the job function or its dotted path ("app.jobs.mail.send_email_job"): services name
    jobs by path, so they never import the job modules that import them. `retry` (an rq.Retry)
    applies to the worker only.
    """
    connection = redis_connection()
    if connection is None:
        func = _function(job)
        try:
            return func(*args, **kwargs)
        except Exception:
            logger.exception("in-process job {} failed", func.__name__)
            return None
    from rq import Queue

    rq_queue = Queue(queue, connection=connection, is_async=current_app.config["RQ_ASYNC"])
    return rq_queue.enqueue(job, *args, retry=retry, **kwargs)
