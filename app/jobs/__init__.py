"""Background jobs: enqueued to RQ when Redis is configured, run in-process otherwise.

Job functions take plain values (ids, strings) and call a service; they must be safe to run twice.
"""
from flask import current_app
from loguru import logger

QUEUES = ("default", "payouts", "emails")


def init_app(app) -> None:
    url = app.config.get("REDIS_URL") or ""
    if url == "memory://":
        import fakeredis

        connection = fakeredis.FakeStrictRedis()
    elif url:
        from redis import Redis

        connection = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    else:
        connection = None
    app.extensions["redis"] = connection


def redis_connection():
    return current_app.extensions.get("redis")


def enqueue(func, *args, queue: str = "default", **kwargs):
    """Run `func(*args, **kwargs)` in a worker, or right here when there is no Redis."""
    connection = redis_connection()
    if connection is None:
        try:
            return func(*args, **kwargs)
        except Exception:
            logger.exception("in-process job {} failed", func.__name__)
            return None
    from rq import Queue

    q = Queue(queue, connection=connection, is_async=current_app.config["RQ_ASYNC"])
    return q.enqueue(func, *args, **kwargs)
