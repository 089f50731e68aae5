"""Writing clicks into the database, shared by the direct path, the stream drain and the spool replay.

A click travels as a plain dict of `clicks` columns (JSON in the stream and the spool). Inserting is
idempotent on (`public_id`, `created_at`) — the click's time travels with it and never changes, and a
unique key of the monthly-partitioned table must hold the time — so a batch may be replayed after
any failure without making duplicates.
"""
import functools
import json
from collections import defaultdict
from datetime import datetime, timedelta

from loguru import logger
from sqlalchemy import String, any_, bindparam, exists, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.models.tracking import Click, Link
from app.services.analytics import barrier
from app.services.common.sql import insert_ignoring_duplicates

CLICKS = Click.__table__
COLUMNS = ("public_id", "link_id", "campaign_id", "affiliate_id", "created_at", "ip", "user_agent",
           "referrer", "sub1", "sub2", "sub3", "sub4", "sub5", "is_unique", "is_attributable")
# The unique key a replayed click collides on.
CLICK_KEY = ["public_id", "created_at"]
# A visitor (same IP and user agent) counts once per link per hour.
UNIQUE_WINDOW = timedelta(hours=1)


def dumps(row: dict) -> str:
    data = {k: row.get(k) for k in COLUMNS}
    data["created_at"] = row["created_at"].isoformat()
    return json.dumps(data, separators=(",", ":"))


def loads(text: str | bytes) -> dict:
    data = json.loads(text)
    row = {k: data.get(k) for k in COLUMNS}
    row["created_at"] = datetime.fromisoformat(data["created_at"])
    for key in ("link_id", "campaign_id", "affiliate_id"):
        row[key] = int(row[key])
    row["is_attributable"] = bool(row["is_attributable"])
    return row


def insert_clicks(conn, rows: list[dict]) -> int:
    """Store the clicks not stored yet, inside the caller's transaction; returns how many were new.

    Rows whose `is_unique` is None get it decided here from the clicks already in the database.
    """
    barrier.writing(conn)
    by_id = {}
    for row in rows:
        by_id.setdefault(row["public_id"], row)
    rows = list(by_id.values())
    if conn.dialect.name == "postgresql" and len(rows) > 1:
        # The usual batch: none of these clicks is stored yet and every link still exists.
        decide_unique(conn, rows)
        try:
            with conn.begin_nested():
                _copy(conn, rows)
            return len(rows)
        except IntegrityError:
            pass  # a replayed click or a deleted link: sorted out below
    return _insert_new(conn, rows)


def insert_fresh(conn, row: dict) -> None:
    """Store a click made a moment ago, deciding `is_unique` in the same statement."""
    barrier.writing(conn)
    params = {k: row.get(k) for k in COLUMNS if k != "is_unique"}
    params["unique_since"] = row["created_at"] - UNIQUE_WINDOW
    conn.execute(_fresh_statement(conn.dialect.name), params)


@functools.cache
def _fresh_statement(dialect: str):
    # Built once: putting the statement together costs more than sending it.
    columns = [k for k in COLUMNS if k != "is_unique"]
    earlier_unique = select(CLICKS.c.id).where(
        CLICKS.c.link_id == bindparam("link_id"), CLICKS.c.ip == bindparam("ip"),
        CLICKS.c.user_agent == bindparam("user_agent"), CLICKS.c.created_at > bindparam("unique_since"),
        CLICKS.c.created_at <= bindparam("created_at"), CLICKS.c.is_unique,
    )
    values = [bindparam(k, type_=CLICKS.c[k].type) for k in columns]
    # SQLite reads "ON CONFLICT" after a SELECT without WHERE as a join constraint: hence the true().
    source = select(*values, ~exists(earlier_unique)).where(true())
    return insert_ignoring_duplicates(CLICKS, CLICK_KEY, dialect).from_select([*columns, "is_unique"], source)


def _insert_new(conn, rows: list[dict]) -> int:
    stored = _already_stored(conn, [r["public_id"] for r in rows]) if rows else set()
    fresh = [r for r in rows if r["public_id"] not in stored]
    if not fresh:
        return 0
    links = set(conn.scalars(select(Link.id).where(Link.id.in_({r["link_id"] for r in fresh}))))
    for row in fresh:
        if row["link_id"] not in links:
            # The link (and with it all its clicks) was deleted while this click waited.
            logger.warning("click {} dropped: link {} no longer exists", row["public_id"], row["link_id"])
    fresh = [r for r in fresh if r["link_id"] in links]
    if not fresh:
        return 0
    decide_unique(conn, fresh)
    conn.execute(insert_ignoring_duplicates(CLICKS, CLICK_KEY, conn.dialect.name),
                 [{k: r.get(k) for k in COLUMNS} for r in fresh])
    return len(fresh)


def _copy(conn, rows: list[dict]) -> None:
    """COPY: several times faster than INSERT for a batch, but it cannot skip duplicates."""
    import psycopg
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(CLICKS.name), sql.SQL(", ").join(sql.Identifier(c) for c in COLUMNS))
    try:
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row.get(k) for k in COLUMNS])
    except psycopg.Error as exc:
        # Raised by the driver itself here: give callers the same exceptions as any other statement.
        raise DBAPIError.instance("COPY clicks", None, exc, psycopg.Error) from exc


def _already_stored(conn, ids: list[str]) -> set[str]:
    if conn.dialect.name == "postgresql":
        # One array parameter instead of a thousand: much cheaper to send and to plan.
        column = CLICKS.c.public_id
        return set(conn.scalars(select(column).where(column == any_(bindparam("ids", ids, ARRAY(String))))))
    return set(conn.scalars(select(CLICKS.c.public_id).where(CLICKS.c.public_id.in_(ids))))


def decide_unique(conn, rows: list[dict]) -> None:
    """Set `is_unique` where it is None: False if the visitor made a unique click on the link in the hour before."""
    todo = sorted((r for r in rows if r.get("is_unique") is None), key=lambda r: r["created_at"])
    if not todo:
        return
    earliest = todo[0]["created_at"] - UNIQUE_WINDOW
    query = select(CLICKS.c.link_id, CLICKS.c.ip, CLICKS.c.user_agent, CLICKS.c.created_at).where(
        CLICKS.c.link_id.in_({r["link_id"] for r in todo}),
        CLICKS.c.ip.in_({r["ip"] for r in todo}),
        CLICKS.c.created_at > earliest,
        CLICKS.c.created_at <= todo[-1]["created_at"],
        CLICKS.c.is_unique,  # as written in the partial index ix_clicks_unique_visitor
    )
    unique_at = defaultdict(list)
    for link_id, ip, user_agent, created_at in conn.execute(query):
        unique_at[(link_id, ip, user_agent)].append(created_at)
    for row in rows:
        if row.get("is_unique"):
            unique_at[_visitor(row)].append(row["created_at"])
    for row in todo:
        at, times = row["created_at"], unique_at[_visitor(row)]
        row["is_unique"] = not any(at - UNIQUE_WINDOW < t <= at for t in times)
        if row["is_unique"]:
            times.append(at)


def _visitor(row: dict) -> tuple:
    return row["link_id"], row["ip"], row["user_agent"]
