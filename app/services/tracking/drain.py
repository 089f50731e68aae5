"""The drain: moves buffered clicks (the Redis stream, spool files) into the database in batches.

`flask tracking drain` calls `run()` until stopped; `drain_once()` empties what is waiting now (for
tests, a job, and `lookup_click` when a conversion arrives right after its click).
Stream entries are acknowledged and deleted only after their transaction committed, so a crash or a
database outage replays them; the insert skips clicks already stored, so a replay adds nothing twice.
After each batch the newest stored entry is marked in the database (`stream_marks`): a Redis that
comes back without its stream is noticed and what it lost is logged.
"""
import os
import socket
import threading
import time
from datetime import datetime

from loguru import logger
from redis.exceptions import ResponseError
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError

from app.extensions import db, redis_connection
from app.models.tracking import Click
from app.services.tracking import buffer, spool, store, stream_marks

GROUP = "click-drain"
BATCH_SIZE = 1000
# Clicks another consumer took this long ago and never acknowledged are taken over (it died).
CLAIM_IDLE_MS = 60_000
CLAIM_EVERY_SECONDS = 30
SPOOL_EVERY_SECONDS = 5
IDLE_CONSUMER_MS = 24 * 3600 * 1000
# How long a lookup waits for a batch the drain process is writing (it takes milliseconds).
LOOKUP_WAIT_SECONDS = 2.0


def store_rows(rows: list[dict]) -> int:
    """Insert a batch in one transaction; a row the database refuses for good is set aside, not retried."""
    if not rows:
        return 0
    try:
        with db.engine.begin() as conn:
            return store.insert_clicks(conn, rows)
    except (IntegrityError, DataError) as exc:
        logger.warning("click batch refused ({}); storing one by one", type(exc).__name__)
    stored = 0
    for row in rows:
        try:
            with db.engine.begin() as conn:
                stored += store.insert_clicks(conn, [row])
        except (IntegrityError, DataError) as exc:
            logger.error("click {} refused by the database and set aside: {}", row["public_id"], exc.orig)
            spool.write_failed(store.dumps(row), f"{type(exc).__name__}: {exc.orig}")
    return stored


class StreamDrain:
    """One consumer of the click stream's consumer group."""

    def __init__(self, connection, batch_size: int = BATCH_SIZE, consumer: str | None = None):
        self.redis = connection
        self.stream = buffer.stream_name()
        # The drain process keeps one name across restarts, so it takes back what it held when it died.
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}"
        self.batch_size = batch_size
        self.ensure_group()

    def ensure_group(self) -> None:
        """Make the consumer group if it is missing, and compare the stream with what was stored from it."""
        try:
            self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
            created = True
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
            created = False
        stream_marks.check_continuity(self.redis, self.stream, group_created=created)

    def _again_with_group(self, command):
        # The stream (and its group) vanishes if Redis was flushed or restarted empty.
        try:
            return command()
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self.ensure_group()
            return command()

    def read(self, start: str = ">", block_ms: int | None = None) -> list:
        """New entries (">") or this consumer's unacknowledged ones ("0")."""
        reply = self._again_with_group(lambda: self.redis.xreadgroup(
            GROUP, self.consumer, {self.stream: start}, count=self.batch_size, block=block_ms))
        return reply[0][1] if reply else []

    def claim(self) -> list:
        """Entries a dead consumer left unacknowledged, now ours."""
        reply = self._again_with_group(lambda: self.redis.xautoclaim(
            self.stream, GROUP, self.consumer, CLAIM_IDLE_MS, count=self.batch_size))
        return reply[1]

    def forget_idle_consumers(self) -> None:
        # Every web process that ever drained once leaves a consumer name behind.
        for consumer in self.redis.xinfo_consumers(self.stream, GROUP):
            if consumer["pending"] == 0 and consumer["idle"] > IDLE_CONSUMER_MS:
                self.redis.xgroup_delconsumer(self.stream, GROUP, consumer["name"])

    def store(self, entries: list) -> int:
        if not entries:
            return 0
        ids, rows = [], []
        for entry_id, fields in entries:
            ids.append(entry_id)
            raw = (fields or {}).get(b"c")
            if raw is None:
                continue
            try:
                rows.append(store.loads(raw))
            except (ValueError, KeyError, TypeError) as exc:
                spool.write_failed(raw, f"unreadable stream entry: {exc}")
        if rows:
            keys = [buffer.seen_key(r["link_id"], r["ip"], r["user_agent"]) for r in rows]
            for row, holder in zip(rows, self.redis.mget(keys), strict=True):
                row["is_unique"] = _unique_by_holder(row, holder)
        stored = store_rows(rows)
        stream_marks.advance(self.stream, max(ids, key=stream_marks.parse_id))
        pipe = self.redis.pipeline(transaction=True)
        pipe.xack(self.stream, GROUP, *ids)
        pipe.xdel(self.stream, *ids)
        pipe.execute()
        return stored


def _unique_by_holder(row: dict, holder: bytes | None) -> bool | None:
    """Read the visitor's key, which the redirect gave to the visitor's first click in the hour.

    None (the database decides) when the key tells nothing about this click: it expired, or a later
    click took it after it expired, which happens only if the click waited here for over an hour.
    """
    if holder is None:
        return None
    public_id, _, at = holder.decode().partition(" ")
    if public_id == row["public_id"]:
        return True
    try:
        return False if datetime.fromisoformat(at) <= row["created_at"] else None
    except ValueError:
        return None


def replay_spool(batch_size: int = BATCH_SIZE) -> int:
    """Store the clicks waiting in spool files; a file is deleted once all its clicks are in."""
    stored = 0
    for path in spool.claim_files():
        for lines in spool.read_batches(path, batch_size):
            rows = []
            for line in lines:
                try:
                    rows.append(store.loads(line))
                except (ValueError, KeyError, TypeError) as exc:
                    spool.write_failed(line, f"unreadable spool line: {exc}")
            stored += store_rows(rows)
        spool.finish(path)
    return stored


def drain_once(max_items: int = 10_000) -> int:
    """Store what waits right now (spool files, then up to `max_items` stream entries); returns clicks added."""
    stored = replay_spool()
    connection = redis_connection()
    if connection is None:
        return stored
    drain = StreamDrain(connection)
    handled = 0
    for take in (lambda: drain.read("0"), drain.claim, lambda: drain.read(">")):
        while handled < max_items:
            entries = take()
            if not entries:
                break
            handled += len(entries)
            stored += drain.store(entries)
    return stored


def in_flight() -> bool:
    """Whether some consumer holds stream entries it has not stored yet."""
    connection = redis_connection()
    if connection is None:
        return False
    try:
        return bool(connection.xpending(buffer.stream_name(), GROUP)["pending"])
    except Exception:  # no group yet, or Redis unreachable: nothing to wait for
        return False


def run(stop: threading.Event, batch_size: int = BATCH_SIZE, interval: float = 0.25,
        consumer: str | None = None) -> int:
    """Drain until `stop` is set. Waits on the stream (no busy polling) and stores at most every `interval` s.

    `consumer` names this drain in the consumer group (default: one per host): restarted under the same
    name, it stores at once the entries it had read before it stopped, instead of waiting for them to
    count as abandoned.
    """
    consumer = consumer or f"drain-{socket.gethostname()}"
    total, failures = 0, 0
    drain, backlog = None, True
    next_spool = next_claim = 0.0
    while not stop.is_set():
        started = time.monotonic()
        entries = []
        try:
            if started >= next_spool:
                total += replay_spool(batch_size)
                next_spool = started + SPOOL_EVERY_SECONDS
            connection = redis_connection()
            if connection is None:
                stop.wait(1.0)
                continue
            if drain is None:
                drain = StreamDrain(connection, batch_size, consumer)
            if backlog:
                entries = drain.read("0")
                backlog = bool(entries)
            if not entries and started >= next_claim:
                drain.forget_idle_consumers()
                entries = drain.claim()
                next_claim = started + CLAIM_EVERY_SECONDS
            if not entries:
                entries = drain.read(">", block_ms=max(1, int(interval * 1000)))
            total += drain.store(entries)
            failures = 0
        except Exception as exc:
            failures += 1
            delay = min(2.0 ** (failures - 1), 30.0)
            logger.warning("click drain: {}: {}; retrying in {:.0f} s", type(exc).__name__, exc, delay)
            drain, backlog = None, True
            stop.wait(delay)
            continue
        if len(entries) < batch_size:
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
    return total


def lookup_click(public_id: str | None) -> Click | None:
    """The click with this public id, even if it was recorded a moment ago and still waits to be stored."""
    # An id that could never have been issued is not looked up (a NUL byte would upset Postgres).
    if not isinstance(public_id, str) or not 0 < len(public_id) <= 64 or not public_id.isascii() \
            or not public_id.isprintable():
        return None
    click = _find(public_id)
    if click is not None:
        return click
    try:
        drain_once()
    except Exception as exc:
        logger.warning("lookup_click: draining failed ({}: {})", type(exc).__name__, exc)
    # The drain process may hold the click in a batch it is writing right now. Whether it holds any is
    # read before each look: a batch it acknowledges after that read was committed before it, so the
    # look sees it; one it still holds makes us look again.
    deadline = time.monotonic() + LOOKUP_WAIT_SECONDS
    while True:
        busy = in_flight()
        click = _find(public_id)
        if click is not None or not busy or time.monotonic() >= deadline:
            return click
        time.sleep(0.02)


def _find(public_id: str) -> Click | None:
    return db.session.scalar(select(Click).where(Click.public_id == public_id))
