"""What a backup promises about its database: schema revision, row counts, ledger totals per currency.

The same facts are read from the source inside the dump's snapshot and from the restored database
afterwards; a restore is good when both agree.
"""
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.pool import NullPool

from app.extensions import db
from app.models.money import LedgerEntry


def read_facts(conn) -> dict:
    """The facts of the database behind `conn` (a SQLAlchemy connection, inside the caller's transaction)."""
    existing = set(inspect(conn).get_table_names())
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name in existing:
            counts[table.name] = conn.scalar(select(func.count()).select_from(table))
    totals = {}
    if LedgerEntry.__tablename__ in existing:
        rows = conn.execute(select(LedgerEntry.currency, func.count(), func.sum(LedgerEntry.amount))
                            .group_by(LedgerEntry.currency).order_by(LedgerEntry.currency))
        totals = {currency: {"entries": int(n), "sum": int(total or 0)} for currency, n, total in rows}
    revision = None
    if "alembic_version" in existing:
        revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
    return {"schema_revision": revision, "row_counts": counts, "ledger_totals": totals}


def facts_of_url(url: str) -> dict:
    """The facts of the database at `url`, through a connection of its own."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return read_facts(conn)
    finally:
        engine.dispose()


def compare(expected: dict, found: dict) -> list[str]:
    """Every way `found` differs from `expected`, as sentences; empty when they agree."""
    problems = []
    if expected.get("schema_revision") != found.get("schema_revision"):
        problems.append(f"schema revision: backup {expected.get('schema_revision')}, "
                        f"restored {found.get('schema_revision')}")
    want, got = expected.get("row_counts", {}), found.get("row_counts", {})
    for table in sorted(set(want) | set(got)):
        if want.get(table) != got.get(table):
            problems.append(f"table {table}: backup has {want.get(table)} rows, restored {got.get(table)}")
    want, got = expected.get("ledger_totals", {}), found.get("ledger_totals", {})
    for currency in sorted(set(want) | set(got)):
        if want.get(currency) != got.get(currency):
            problems.append(f"ledger {currency}: backup {want.get(currency)}, restored {got.get(currency)}")
    return problems
