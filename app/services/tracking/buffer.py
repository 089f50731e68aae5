"""Recording a click inside the redirect: one Redis round trip, with fallbacks that never lose it.

1. Redis configured and healthy: the click is appended to a stream (the drain stores it later). Its
   durability is Redis's append-only file, checked by `durability`.
2. Redis missing (development) or failing: the click is inserted into the database right away, with a
   synchronous commit: once the visitor is redirected the click is in Postgres's write-ahead log, so
   Postgres crashing a moment later loses nothing.
3. The database failing too: the click is appended to a local spool file, flushed to disk before the
   redirect, which the drain replays.

A failure opens a short "circuit": for a few seconds that store is skipped, so a dead Redis or
database does not add a timeout to every click. Nothing here raises; the visitor is always redirected.
"""
import hashlib
import os
import threading
import time

from flask import current_app
from loguru import logger
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.extensions import db, redis_connection
from app.services.analytics import robots
from app.services.tracking import spool, store, wire

DEFAULT_STREAM = "clicks"
# Seconds a failed store is skipped before it is tried again.
RETRY_AFTER_SECONDS = 5
# Redis answers in well under a millisecond; a click waits at most this long for it.
REDIS_TIMEOUT_SECONDS = 0.5
SEEN_SECONDS = int(store.UNIQUE_WINDOW.total_seconds())


def stream_name() -> str:
    return current_app.config.get("CLICK_STREAM", DEFAULT_STREAM)


def seen_key(link_id: int, ip: str | None, user_agent: str | None, stream: str | None = None) -> str:
    """The Redis key that remembers a visitor's unique click on a link for an hour."""
    digest = hashlib.blake2b(f"{ip}\n{user_agent}".encode("utf-8", "replace"), digest_size=12).hexdigest()
    return f"{stream or stream_name()}:seen:{link_id}:{digest}"


def click_redis():
    """The Redis client for the click path (short timeouts), or None without Redis."""
    ext = current_app.extensions
    if "click_redis" not in ext:
        connection = redis_connection()
        url = ext.get("redis_url")
        if connection is not None and url:
            from redis import Redis

            timeout = current_app.config.get("CLICK_REDIS_TIMEOUT", REDIS_TIMEOUT_SECONDS)
            connection = Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        ext["click_redis"] = connection
    return ext["click_redis"]


def _breakers() -> dict:
    return current_app.extensions.setdefault("click_breakers", {"redis": 0.0, "db": 0.0})


def reset_breakers() -> None:
    _breakers().update(redis=0.0, db=0.0)


def _usable(target: str) -> bool:
    return _breakers()[target] <= time.monotonic()


def _trip(target: str) -> None:
    _breakers()[target] = time.monotonic() + current_app.config.get("CLICK_RETRY_AFTER", RETRY_AFTER_SECONDS)


def record(row: dict) -> str:
    """Keep the click somewhere durable; returns where: "stream", "database", "spool" or "lost"."""
    connection = click_redis()
    if connection is not None and _usable("redis"):
        try:
            append(connection, row)
            return "stream"
        except Exception as exc:
            _trip("redis")
            logger.warning("click {}: Redis failed ({}: {}); writing to the database",
                           row["public_id"], type(exc).__name__, exc)
    if _usable("db"):
        try:
            store_now(row)
            return "database"
        except IntegrityError as exc:
            # The database works but refuses this click (say its link was deleted a moment ago):
            # no reason to stop using it; the drain stores the click or sets it aside with the reason.
            logger.warning("click {}: refused by the database ({}); writing to the spool", row["public_id"], exc.orig)
        except Exception as exc:
            _trip("db")
            logger.warning("click {}: database failed ({}); writing to the spool",
                           row["public_id"], type(exc).__name__)
    try:
        spool.write(store.dumps(row))
        return "spool"
    except Exception as exc:
        # Last resort: the whole click goes to the log so it can still be recovered by hand.
        logger.error("click lost ({}: {}): {}", type(exc).__name__, exc, store.dumps(row))
        return "lost"


def count_robot(link_id: int, campaign_id: int, affiliate_id: int) -> None:
    """Count a robot's visit for the analytics (a Redis counter, else the database); never fails the redirect."""
    connection = click_redis()
    try:
        if connection is not None and _usable("redis"):
            robots.count(connection, link_id, campaign_id, affiliate_id)
        elif _usable("db"):
            robots.count(None, link_id, campaign_id, affiliate_id)
    except Exception as exc:  # only a figure is lost; the visitor is redirected all the same
        logger.warning("robot visit of link {} not counted ({}: {})", link_id, type(exc).__name__, exc)


def append(connection, row: dict) -> None:
    """Add the click to the stream in one round trip, with the visitor's key for the uniqueness rule.

    Sent on a connection this thread keeps, through `wire`: a redis-py Pipeline, or even taking a
    connection from the pool, costs more CPU than the round trip itself, and CPU is what limits the
    redirects a small server answers.
    """
    # The first click of a visitor in the hour takes the key; the drain reads who holds it.
    stream = stream_name()
    holder = f"{row['public_id']} {row['created_at'].isoformat()}"
    payload = wire.pack((("SET", seen_key(row["link_id"], row["ip"], row["user_agent"], stream), holder, "NX", "EX",
                          SEEN_SECONDS), ("XADD", stream, "*", "c", store.dumps(row))))
    conn = _own_connection(connection)
    try:
        wire.exchange(conn, payload, 2)
    except BaseException:
        conn.disconnect()  # replies may be left unread on it; the next click reconnects
        raise


_local = threading.local()


def _own_connection(client):
    """This thread's connection to the click path's Redis (made after a fork, never shared between threads)."""
    held = getattr(_local, "held", None)
    if held is None or held[0] is not client or held[1] != os.getpid():
        pool = client.connection_pool
        held = (client, os.getpid(), pool.connection_class(**pool.connection_kwargs))
        _local.held = held
    return held[2]


def store_now(row: dict) -> None:
    """Insert one click straight into the database, durably (the commit waits for the WAL flush).

    This path runs only while Redis is away; it must survive Postgres failing next, so it does not
    trade the flush for speed (`make bench ARGS=--failover` measures what it costs).
    """
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # A stuck database must not hold the visitor for long: after 2 s the click goes to the spool.
            conn.execute(text("SELECT set_config('statement_timeout', '2000', true), "
                              "set_config('synchronous_commit', 'on', true)"))
        store.insert_fresh(conn, row)
