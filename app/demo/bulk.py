"""Writing generated rows fast: COPY on Postgres, batched INSERTs on SQLite, ids chosen up front.

The data generator needs the id of a row before it is written (a conversion names its click, a
ledger entry its conversion) and writes millions of rows, so ids are handed out here from the
table's current maximum and every table is locked against other writers for the transaction; the
sequences are moved past the new ids at the end.
"""
import json
from collections.abc import Iterable
from contextlib import contextmanager

from sqlalchemy import JSON, Table, func, select, text

INSERT_BATCH = 5_000


class BulkWriter:
    """Appends rows to tables on one connection, inside the caller's transaction."""

    def __init__(self, conn, tables: Iterable[Table]):
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.tables = {table.name: table for table in tables}
        if self.postgres:
            names = ", ".join(f'"{name}"' for name in self.tables)
            # Readers carry on; writers (the click drain, the web app) wait until the data is in.
            conn.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
        self._next_id = {}
        for name, table in self.tables.items():
            if "id" in table.c:
                self._next_id[name] = (conn.scalar(select(func.max(table.c.id))) or 0) + 1
        self.written = dict.fromkeys(self.tables, 0)

    def reserve_ids(self, table: str, count: int) -> range:
        """`count` ids nobody else will use in `table`."""
        first = self._next_id[table]
        self._next_id[table] = first + count
        return range(first, first + count)

    def next_id(self, table: str) -> int:
        return self.reserve_ids(table, 1)[0]

    def write(self, table: str, rows: list[dict]) -> None:
        """Append `rows` (dicts with the same keys; missing columns take the model's default)."""
        if rows:
            columns = list(rows[0])
            self.write_tuples(table, columns, [tuple(row[c] for c in columns) for row in rows])

    def write_tuples(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        """Append `rows` given as tuples of the values of `columns`, in that order."""
        if not rows:
            return
        target = self.tables[table]
        defaults = [(c.name, c.default) for c in target.c
                    if c.name not in columns and c.default is not None and not c.primary_key]
        names = list(columns) + [name for name, _ in defaults]
        if self.postgres:
            self._copy(target, names, [d for _, d in defaults], rows)
        else:
            for start in range(0, len(rows), INSERT_BATCH):
                batch = [dict(zip(names, (*row, *(_default(d) for _, d in defaults)), strict=True))
                         for row in rows[start:start + INSERT_BATCH]]
                self.conn.execute(target.insert(), batch)
        self.written[table] += len(rows)

    def _copy(self, target: Table, names: list[str], defaults: list, rows: list[tuple]) -> None:
        from psycopg import sql

        as_json = [i for i, name in enumerate(names) if isinstance(target.c[name].type, JSON)]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(target.name), sql.SQL(", ").join(sql.Identifier(n) for n in names))
        cursor = self.conn.connection.driver_connection.cursor()
        with cursor, cursor.copy(statement) as copy:
            if not defaults and not as_json:
                for row in rows:
                    copy.write_row(row)
                return
            for row in rows:
                values = [*row, *(_default(d) for d in defaults)]
                for i in as_json:
                    values[i] = None if values[i] is None else json.dumps(values[i], ensure_ascii=False)
                copy.write_row(values)

    def finish(self) -> None:
        """Move each id sequence past the ids handed out here, and refresh the planner's statistics."""
        if not self.postgres:
            return
        for name in self._next_id:
            if not self.written[name]:
                continue
            # Table names come from the models, never from input.
            highest = self.conn.scalar(select(func.max(self.tables[name].c.id)))
            self.conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n)"), {"t": name, "n": highest})
        for name, count in self.written.items():
            if count:
                self.conn.execute(text(f'ANALYZE "{name}"'))


def _default(column_default):
    if column_default.is_callable:
        return column_default.arg(None)
    return column_default.arg


@contextmanager
def indexes_deferred(conn, table: str, enabled: bool = True):
    """Drop `table`'s secondary indexes, unique and foreign keys for a big load; rebuild them after.

    Postgres maintains a random index (the click's public id) and checks three foreign keys per
    row during COPY; building each index once at the end and checking each key with one join is
    several times faster. The definitions are read from the database, so what comes back is exactly
    what was there (on a partitioned table too). Readers wait meanwhile: for loading, not for a
    database in use.
    """
    if not enabled or conn.dialect.name != "postgresql":
        yield
        return
    constraints = conn.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('u', 'f') ORDER BY contype DESC, conname"),
        {"t": table}).all()
    owned = {name for name, _ in constraints}
    indexes = [(name, definition) for name, definition in conn.execute(text(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = CAST(:t AS regclass) AND NOT x.indisprimary ORDER BY i.relname"), {"t": table})
        if name not in owned]
    for name, _ in constraints:
        conn.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    yield
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for _, definition in indexes:
        # A partitioned table's index reads "ON ONLY": made so, it would reach none of the partitions.
        conn.execute(text(definition.replace(" ON ONLY ", " ON ", 1)))
    for name, definition in constraints:
        conn.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))
