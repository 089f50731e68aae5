"""Clicks split into monthly partitions on Postgres, so old months can be dropped whole.

Postgres: the existing `clicks` table is rebuilt as a table partitioned by range of `created_at`,
one partition per calendar month (UTC) from its oldest click to three months ahead, plus a default
partition for anything outside them. Every row is copied, and every constraint and index the table
has at this moment is read from the catalog and made again on the new table, so indexes added by
other migrations survive. A primary key or unique key must contain the partition key there: the
time is added to those that lack it (ids still come from the same sequence). Foreign keys that point
at clicks cannot survive (they would need the time too); conversions keep their click's details
instead, and any other such key is dropped with a warning. The table is locked while it is copied:
the click drain keeps clicks in Redis meanwhile.

SQLite keeps one table; only the click's unique key gains the time, as on Postgres.

Revision ID: 0015
Revises: 0014
"""
import logging
import re
from datetime import UTC, date, datetime

from alembic import op
from sqlalchemy import text

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
MONTHS_AHEAD = 3
KEY = "created_at"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("clicks", schema=None) as batch_op:
            batch_op.drop_constraint("uq_clicks_public_id", type_="unique")
            batch_op.create_unique_constraint("uq_clicks_public_id", ["public_id", KEY])
        return
    conn = op.get_bind()
    if _relkind(conn) == "p":
        return
    _rebuild(conn, partitioned=True)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("clicks", schema=None) as batch_op:
            batch_op.drop_constraint("uq_clicks_public_id", type_="unique")
            batch_op.create_unique_constraint("uq_clicks_public_id", ["public_id"])
        return
    conn = op.get_bind()
    if _relkind(conn) != "p":
        return
    _rebuild(conn, partitioned=False)


def _relkind(conn) -> str:
    return conn.scalar(text("SELECT relkind FROM pg_class WHERE oid = to_regclass('clicks')"))


def _rebuild(conn, partitioned: bool) -> None:
    """Copy `clicks` into a new table (partitioned or plain) and give it back every constraint and index."""
    conn.execute(text("LOCK TABLE clicks IN ACCESS EXCLUSIVE MODE"))
    constraints = conn.execute(text(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'clicks'::regclass AND coninhcount = 0 ORDER BY contype, conname")).all()
    indexes = conn.execute(text(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = 'clicks'::regclass AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid) "
        "ORDER BY c.relname")).all()
    pointing_here = conn.execute(text(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint "
        "WHERE contype = 'f' AND confrelid = 'clicks'::regclass AND conparentid = 0")).all()
    sequence = conn.scalar(text("SELECT pg_get_serial_sequence('clicks', 'id')"))
    if conn.scalar(text("SELECT attidentity FROM pg_attribute WHERE attrelid = 'clicks'::regclass "
                        "AND attname = 'id'")):
        raise RuntimeError("clicks.id is an identity column; this migration expects a serial id")

    for table, name in pointing_here:
        log.warning("dropping foreign key %s on %s: it points at clicks, whose months are dropped whole", name, table)
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    conn.execute(text("ALTER TABLE clicks RENAME TO clicks_before"))
    if partitioned:
        conn.execute(text(f"CREATE TABLE clicks (LIKE clicks_before INCLUDING DEFAULTS INCLUDING STORAGE "
                          f"INCLUDING COMMENTS) PARTITION BY RANGE ({KEY})"))
        _create_partitions(conn)
    else:
        conn.execute(text("CREATE TABLE clicks (LIKE clicks_before INCLUDING DEFAULTS INCLUDING STORAGE "
                          "INCLUDING COMMENTS)"))
    conn.execute(text("INSERT INTO clicks SELECT * FROM clicks_before"))
    if sequence:
        conn.execute(text(f"ALTER SEQUENCE {sequence} OWNED BY clicks.id"))
    conn.execute(text("DROP TABLE clicks_before CASCADE"))

    for name, kind, definition in constraints:
        if kind in ("p", "u"):
            definition = _with_time(definition) if partitioned else _without_time(definition)
        conn.execute(text(f'ALTER TABLE clicks ADD CONSTRAINT "{name}" {definition}'))
    for _name, definition in indexes:
        # A partitioned table's index reads "ON ONLY clicks"; the new table's must reach every partition.
        definition = definition.replace(" ON ONLY ", " ON ", 1)
        if definition.startswith("CREATE UNIQUE"):
            definition = _with_time(definition) if partitioned else _without_time(definition)
        conn.execute(text(definition))
    conn.execute(text("ANALYZE clicks"))


def _create_partitions(conn) -> None:
    oldest = conn.scalar(text("SELECT min(created_at) FROM clicks_before"))
    today = datetime.now(UTC).date()
    month = date(oldest.year, oldest.month, 1) if oldest else date(today.year, today.month, 1)
    last = _add_months(date(today.year, today.month, 1), MONTHS_AHEAD)
    while month <= last:
        after = _add_months(month, 1)
        conn.execute(text(f"CREATE TABLE clicks_{month:%Y_%m} PARTITION OF clicks "
                          f"FOR VALUES FROM ('{month.isoformat()}') TO ('{after.isoformat()}')"))
        month = after
    conn.execute(text("CREATE TABLE clicks_default PARTITION OF clicks DEFAULT"))


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _columns_span(definition: str) -> tuple[int, int]:
    """Where the key's column list is: the first parenthesis after the key words, to its match."""
    start = definition.index("(", definition.index(" USING ") if " USING " in definition else 0)
    depth = 0
    for position in range(start, len(definition)):
        depth += {"(": 1, ")": -1}.get(definition[position], 0)
        if depth == 0:
            return start, position
    raise ValueError(f"unbalanced key definition: {definition}")


def _with_time(definition: str) -> str:
    start, end = _columns_span(definition)
    columns = [column.strip() for column in definition[start + 1:end].split(",")]
    if KEY in columns:
        return definition
    return f"{definition[:end]}, {KEY}{definition[end:]}"


def _without_time(definition: str) -> str:
    start, end = _columns_span(definition)
    inner = re.sub(rf",\s*{KEY}$", "", definition[start + 1:end])
    return f"{definition[:start + 1]}{inner}{definition[end:]}"
