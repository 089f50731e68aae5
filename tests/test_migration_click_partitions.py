"""An existing clicks table becomes monthly partitions on Postgres, keeping every row, constraint and index."""
import os
from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.extensions import db
from tests.migration_helpers import MIGRATIONS, fresh_database, insert
from tests.test_migration_click_details import seed_conversion, seed_programme

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
MOMENTS = (datetime(2025, 1, 31, 23, 59, 59), datetime(2025, 2, 1, 0, 0), datetime(2025, 6, 15, 12, 0))
COLUMNS = "id, public_id, link_id, campaign_id, affiliate_id, created_at, referrer, sub1, sub3, is_unique"


def _clicks(conn) -> list:
    return conn.execute(text(f"SELECT {COLUMNS} FROM clicks ORDER BY id")).all()  # noqa: S608


def _indexes(conn) -> dict:
    """{index name: its definition} of the clicks table itself."""
    return dict(conn.execute(text(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = 'clicks'::regclass")).all())


def _constraints(conn) -> dict:
    return dict(conn.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'clicks'::regclass")).all())


def _seed(conn) -> dict:
    ids = seed_programme(conn)
    for number, moment in enumerate(MOMENTS, start=3):
        ids[f"click{number}"] = insert(
            conn, "clicks", public_id=f"public-{number}", link_id=ids["link"], campaign_id=ids["campaign"],
            affiliate_id=ids["affiliate"], created_at=moment, ip="198.51.100.1", user_agent="Safari",
            referrer=None, sub1=f"s{number}", sub3=None, is_unique=number % 2 == 0, is_attributable=True)
    seed_conversion(conn, ids, "A-1", ids["click3"])
    return ids


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="partitions are made on Postgres only (TEST_DATABASE_URL)")
def test_postgres_clicks_become_monthly_partitions_and_back(app):
    with fresh_database(app):
        upgrade(directory=MIGRATIONS, revision="0014")
        with db.engine.begin() as conn:
            ids = _seed(conn)
            # An index another change added by hand or by its own migration: it must survive.
            conn.execute(text("CREATE INDEX ix_clicks_sub2_extra ON clicks (sub2) WHERE sub2 IS NOT NULL"))
            before, indexes = _clicks(conn), _indexes(conn)
            constraints = _constraints(conn)
        upgrade(directory=MIGRATIONS, revision="0015")
        with db.engine.begin() as conn:
            assert conn.scalar(text("SELECT relkind FROM pg_class WHERE oid = 'clicks'::regclass")) == "p"
            assert _clicks(conn) == before
            after = _indexes(conn)
            assert set(after) == set(indexes)
            assert after["ix_clicks_sub2_extra"] == indexes["ix_clicks_sub2_extra"].replace(" ON ", " ON ONLY ")
            assert after["ix_clicks_unique_visitor"].endswith("WHERE is_unique")
            kept = _constraints(conn)
            assert set(kept) == set(constraints)
            assert kept["pk_clicks"] == "PRIMARY KEY (id, created_at)"
            assert kept["uq_clicks_public_id"] == "UNIQUE (public_id, created_at)"
            assert kept["fk_clicks_link_id_links"] == constraints["fk_clicks_link_id_links"]
            names = set(conn.scalars(text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'clicks'::regclass")))
            today = datetime.now(UTC).date()
            assert {"clicks_2025_01", "clicks_2025_02", "clicks_2025_03", "clicks_2025_06", "clicks_default",
                    f"clicks_{today:%Y_%m}"} <= names
            # Each click sits in its own month's partition; the last second of January stays in January.
            assert conn.scalar(text("SELECT public_id FROM clicks_2025_01")) == "public-3"
            assert conn.scalar(text("SELECT count(*) FROM clicks_default")) == 0
            # Ids go on from the same sequence.
            new_id = insert(conn, "clicks", public_id="public-new", link_id=before[0].link_id,
                            campaign_id=before[0].campaign_id, affiliate_id=before[0].affiliate_id,
                            created_at=datetime(2025, 6, 16), is_unique=True, is_attributable=True)
            assert new_id > max(row.id for row in before)
            conn.execute(text("DELETE FROM clicks WHERE id = :id"), {"id": new_id})
            # A conversion still names its click; no foreign key ties it there any more.
            assert conn.scalar(text("SELECT click_id FROM conversions")) == ids["click3"]
        downgrade(directory=MIGRATIONS, revision="0014")
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT relkind FROM pg_class WHERE oid = 'clicks'::regclass")) == "r"
            assert _clicks(conn) == before
            assert _indexes(conn) == indexes
            assert _constraints(conn) == constraints


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite schema")
def test_sqlite_keeps_one_table_with_the_time_in_the_click_key(app):
    with fresh_database(app):
        upgrade(directory=MIGRATIONS, revision="0014")
        with db.engine.begin() as conn:
            _seed(conn)
            before = _clicks(conn)
        upgrade(directory=MIGRATIONS, revision="0015")
        with db.engine.connect() as conn:
            assert _clicks(conn) == before
            table = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'clicks'"))
            assert "CONSTRAINT uq_clicks_public_id UNIQUE (public_id, created_at)" in table
            visitor = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'ix_clicks_unique_visitor'"))
            assert visitor.endswith("WHERE is_unique")
        downgrade(directory=MIGRATIONS, revision="0014")
        with db.engine.connect() as conn:
            assert _clicks(conn) == before
