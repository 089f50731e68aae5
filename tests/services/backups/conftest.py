"""A second database of the suite's own engine to restore into: a SQLite file, or a new Postgres database."""
import secrets

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.conftest import is_postgres


@pytest.fixture
def restore_url(app, tmp_path):
    """The URL of an empty database to restore into, dropped again afterwards."""
    if not is_postgres(app):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    source = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"{source.database}_restore_{secrets.token_hex(4)}"
    admin = create_engine(source.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield source.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
