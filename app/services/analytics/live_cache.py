"""The clicks not yet rolled up, counted at most once every ANALYTICS_LIVE_SECONDS per scope and process.

Every figure a page shows is the rollup plus the rows above its watermark (reader.py). Between two
runs of the rollup job those clicks pile up (at 3,000 clicks/s, 180,000 a minute), and each page
that shows figures used to count them all again: four people reloading dashboards kept as many
Postgres backends busy summing the same rows. Here the sums of those clicks, grouped at the finest
grain, are kept in the process for a few seconds and shared by every page of the same scope, so a
figure may miss the clicks of the last few seconds and no more.

What is kept is keyed by the rollup's version and click watermark: when the job folds the clicks
into the rollup, pages read the new rollup and count the rows above the new watermark, never an old
count twice. Conversion changes above their watermark are not kept: they are few, and a decision
taken on a conversion shows on the next page at once. The sums live in the process (not Redis):
they are large (one row per link, day, sub-ID and referrer) and read whole by every page.
"""
import json
import threading
import time

# Scopes kept at once in one process; the oldest goes first.
LIMIT = 64
monotonic = time.monotonic
_entries: dict[tuple, tuple[float, object]] = {}
_lock = threading.Lock()


def key(*parts) -> tuple:
    """A hashable key from the parts (filters may hold lists)."""
    return tuple(json.dumps(part, sort_keys=True, default=str) for part in parts)


def cached(cache_key: tuple, seconds: float, compute):
    """What `compute()` returned under `cache_key` less than `seconds` ago, else its new answer."""
    if seconds <= 0:
        return compute()
    now = monotonic()
    with _lock:
        hit = _entries.get(cache_key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = compute()
    with _lock:
        for stale in [k for k, (until, _) in _entries.items() if until <= now]:
            del _entries[stale]
        while len(_entries) >= LIMIT:
            del _entries[min(_entries, key=lambda k: _entries[k][0])]
        _entries[cache_key] = (now + seconds, value)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
