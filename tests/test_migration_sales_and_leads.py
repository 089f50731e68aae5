"""Campaigns that existed before campaigns said what they pay for are migrated as sales."""
import os
import tempfile

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.config import TestConfig
from app.extensions import db
from tests.app_helpers import other_app

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")


def test_existing_campaigns_become_sales(base_app):
    folder = tempfile.mkdtemp(prefix="affiliate-migration-")

    class FreshDatabase(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/migrate.db"

    with other_app(base_app, FreshDatabase) as app, app.app_context():
        upgrade(directory=MIGRATIONS, revision="0004")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (email, password_hash, role, name, is_disabled, session_token, "
                              "created_at) VALUES ('m@example.com', 'x', 'merchant', 'M', 0, 't', '2025-01-01')"))
            conn.execute(text(
                "INSERT INTO campaigns (merchant_id, name, description, landing_url, allowed_hosts, commission_type,"
                " commission_fixed, currency, attribution_days, join_mode, hold_days, terms, status, auto_approve,"
                " terms_changed_at, created_at, updated_at) VALUES (1, 'Old', '', 'https://shop.example/',"
                " 'shop.example', 'fixed', 50000, 'VND', 30, 'open', 30, '', 'active', 0, '2025-01-01',"
                " '2025-01-01', '2025-01-01')"))
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT pays_for FROM campaigns")).scalar_one() == "sale"
        downgrade(directory=MIGRATIONS, revision="0004")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM campaigns")).scalar_one() == "Old"
