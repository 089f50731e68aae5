"""Migrations tried on a database of their own, with rows put in at an older revision."""
import os
import tempfile
import uuid
from contextlib import contextmanager

from sqlalchemy import MetaData, Table, text

from app.config import TestConfig
from app.extensions import db
from tests.app_helpers import other_app

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")


@contextmanager
def fresh_database(base_app):
    """An app on an empty database of the suite's kind, inside its app context.

    SQLite: a new file. Postgres: a new schema of the suite's database (first on the search path),
    dropped afterwards, so the suite's own tables are never touched.
    """
    url = base_app.config["SQLALCHEMY_DATABASE_URI"]
    schema = None
    if url.startswith("postgresql"):
        schema = f"migration_{uuid.uuid4().hex[:12]}"
        with db.engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='affiliate-migration-')}/migrate.db"

    class FreshDatabase(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    try:
        with other_app(base_app, FreshDatabase) as app, app.app_context():
            yield app
    finally:
        if schema is not None:
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def insert(conn, table: str, **values) -> int:
    """Insert one row into `table` as it is at this revision; returns its id."""
    reflected = Table(table, MetaData(), autoload_with=conn)
    return conn.execute(reflected.insert().values(**values).returning(reflected.c.id)).scalar_one()
