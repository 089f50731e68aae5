"""A Redis cache in front of the rollup reads.

Keys carry the rollup's version, which every change to the rollup tables raises: a write that
changes figures makes every older entry unreachable at once, and the TTL clears them away. Rows
above the watermarks are never cached (they are read fresh on every page). When Redis is away
the figures are computed every time, and Redis is left alone for a while so pages do not wait on it.
"""
import hashlib
import json
import time
from datetime import date

from flask import current_app
from loguru import logger

from app.extensions import redis_connection

PREFIX = "stats:cache:"
TTL_SECONDS = 600
# After Redis fails, it is not asked again for this long.
PAUSE_SECONDS = 30
_paused_until = 0.0


def key(version: int, *parts) -> str:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:40]
    return f"{PREFIX}{version}:{digest}"


DATE_DIMS = ("day", "month")


def dumps(grouped: dict, dims, measures) -> str:
    """Rows as flat lists (dimension values, then the measures in order): quick to write and to read."""
    dated = [n for n, name in enumerate(dims) if name in DATE_DIMS]
    rows = []
    for group, figures in grouped.items():
        key = list(group)
        for n in dated:
            key[n] = key[n].isoformat()
        rows.append([*key, *(figures[m] for m in measures)])
    return json.dumps(rows, separators=(",", ":"))


def loads(text: str | bytes, dims, measures) -> dict:
    dated = [n for n, name in enumerate(dims) if name in DATE_DIMS]
    width = len(dims)
    grouped = {}
    for row in json.loads(text):
        for n in dated:
            row[n] = date.fromisoformat(row[n])
        grouped[tuple(row[:width])] = dict(zip(measures, row[width:], strict=True))
    return grouped


def _redis():
    if time.monotonic() < _paused_until or not current_app.config["ANALYTICS_CACHE"]:
        return None
    return redis_connection()


def _pause(exc: Exception) -> None:
    global _paused_until
    _paused_until = time.monotonic() + PAUSE_SECONDS
    logger.warning("analytics cache unavailable for {} s: {}: {}", PAUSE_SECONDS, type(exc).__name__, exc)


def cached(cache_key: str, dims, measures, compute) -> dict:
    """The figures grouped by `dims` stored under `cache_key`, computed (and stored) when missing."""
    connection = _redis()
    if connection is not None:
        try:
            hit = connection.get(cache_key)
        except Exception as exc:  # any Redis failure: compute instead
            _pause(exc)
            connection = None
        else:
            if hit is not None:
                return loads(hit, dims, measures)
    value = compute()
    if connection is not None:
        try:
            connection.set(cache_key, dumps(value, dims, measures), ex=TTL_SECONDS)
        except Exception as exc:  # the figures are right; only the cache missed out
            _pause(exc)
    return value


def reset() -> None:
    """Forget a pause (tests, and after Redis is known to be back)."""
    global _paused_until
    _paused_until = 0.0
