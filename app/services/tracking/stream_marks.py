"""The drain's durable mark of the click stream, and the report of clicks Redis lost.

After every stored batch the drain records, in the database, the id of the newest stream entry it
stored. The consumer group exists only because a drain created it, so when a drain has to create the
group again while a mark exists, or finds the stream's newest id older than the mark, Redis lost data:
it restarted without its append-only file, was flushed, or came back from an older copy. The clicks
appended after the marked entry and before the first entry of the new stream never arrived; that
range (entry ids and times) is logged as an error, and the mark starts over.
"""
from datetime import UTC, datetime

from loguru import logger
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models.common import utcnow
from app.models.tracking import ClickStreamMark

START = (0, 0)


def parse_id(entry_id) -> tuple[int, int]:
    """A stream entry id ("1733355000123-4", bytes or text) as (milliseconds, sequence)."""
    text = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def describe(position: tuple[int, int] | None) -> str:
    if position is None:
        return "now"
    if position == START:
        return "the start of the stream"
    at = datetime.fromtimestamp(position[0] / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return f"entry {position[0]}-{position[1]} ({at} UTC)"


def read(stream: str) -> tuple[int, int] | None:
    """The newest entry stored from `stream`, START after a reset, None if no drain ever stored from it."""
    with db.engine.connect() as conn:
        row = conn.execute(select(ClickStreamMark.last_ms, ClickStreamMark.last_seq)
                           .where(ClickStreamMark.stream == stream)).first()
    return None if row is None else (int(row[0]), int(row[1]))


def advance(stream: str, entry_id) -> None:
    """Move the mark forward to `entry_id` (never back: several drains may store side by side)."""
    ms, seq = parse_id(entry_id)
    table = ClickStreamMark.__table__
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(stream=stream, last_ms=ms, last_seq=seq, updated_at=utcnow())
    newer = (table.c.last_ms < ms) | ((table.c.last_ms == ms) & (table.c.last_seq < seq))
    statement = statement.on_conflict_do_update(
        index_elements=["stream"], set_={"last_ms": ms, "last_seq": seq, "updated_at": utcnow()}, where=newer)
    with db.engine.begin() as conn:
        conn.execute(statement)


def reset(stream: str) -> None:
    table = ClickStreamMark.__table__
    with db.engine.begin() as conn:
        conn.execute(table.update().where(table.c.stream == stream)
                     .values(last_ms=START[0], last_seq=START[1], updated_at=utcnow()))


def report_lost(stream: str, mark: tuple[int, int], first_new: tuple[int, int] | None, why: str) -> None:
    """Log the range of clicks that never arrived, then start the mark over."""
    logger.error(
        "click stream {!r} lost clicks: {}. Clicks appended after {} and before {} never reached the database "
        "(everything stored up to the mark is safe; see the web logs for the redirects of that time). Run Redis "
        "with appendonly yes, or set CLICK_BUFFER_DURABILITY=accept-loss if this loss is acceptable.",
        stream, why, describe(mark), describe(first_new))
    reset(stream)


def check_continuity(connection, stream: str, group_created: bool) -> None:
    """Compare the stream Redis has now with the mark; report what was lost, if anything."""
    mark = read(stream)
    if mark is None or mark == START and not group_created:
        return
    info = connection.xinfo_stream(stream) if connection.exists(stream) else None
    if group_created:
        first = connection.xrange(stream, count=1) if info and info.get("length") else []
        report_lost(stream, mark, parse_id(first[0][0]) if first else None,
                    "its consumer group was gone (Redis restarted empty or was flushed)")
        return
    newest = parse_id(info["last-generated-id"]) if info else START
    if newest < mark:
        report_lost(stream, mark, None, f"its newest entry, {describe(newest)}, is older than what was already "
                                        "stored (Redis came back from an older copy)")
