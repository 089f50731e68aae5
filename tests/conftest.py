"""Fixtures: one app per test session on a migrated database, emptied after every test.

By default the suite runs on a SQLite file and an in-memory Redis stand-in (fakeredis, handed to
the app here: the app itself knows only real Redis URLs). With TEST_DATABASE_URL and TEST_REDIS_URL
set, the same tests run against the real servers.
"""
import os
import tempfile

import fakeredis
import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.config import TestConfig
from app.extensions import db, limiter
from app.services.analytics import live_cache
from tests import factories, sessions, stripe_helpers
from tests.fakes.stripe_api.fake import FakeStripe

_tmp = tempfile.mkdtemp(prefix="affiliate-tests-")
# Empty or "memory://": the in-memory stand-in.
_redis_url = os.environ.get("TEST_REDIS_URL", "").removeprefix("memory://")


class SuiteConfig(TestConfig):
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_tmp}/test.db"
    UPLOAD_DIR = os.path.join(_tmp, "uploads")
    CLICK_SPOOL_DIR = os.path.join(_tmp, "spool")
    REDIS_URL = _redis_url


class SuiteClient(FlaskClient):
    """Empties `g` before each request, as a real server's fresh app context would.

    Tests keep one app context pushed, and Flask reuses it for requests, so without this the
    signed-in user (Flask-Login), the CSRF token (Flask-WTF) and the locale (Flask-Babel) cached
    in `g` by one request would leak into the next.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(g):
                g.pop(name)
        return super().open(*args, **kwargs)


def is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


@pytest.fixture(scope="session")
def base_app():
    app = create_app(SuiteConfig, redis_client=None if _redis_url else fakeredis.FakeStrictRedis())
    app.test_client_class = SuiteClient
    with app.app_context():
        if is_postgres(app):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
        db.session.remove()
    return app


def empty_database(app) -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if is_postgres(app):
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 (table names from metadata)


@pytest.fixture
def app(base_app):
    ctx = base_app.app_context()
    ctx.push()
    base_app.extensions["mail_outbox"] = []
    try:
        yield base_app
    finally:
        db.session.remove()
        empty_database(base_app)
        redis = base_app.extensions.get("redis")
        if redis is not None:
            redis.flushdb()
        limiter.reset()  # counted in memory without TEST_REDIS_URL
        live_cache.clear()  # sums kept by an app with production settings would outlive the emptied tables
        ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app):
    return app.extensions["mail_outbox"]


@pytest.fixture
def login_as(client):
    """Sign `client` in as a new user of `role` (or as the given user) and return the user."""

    def sign_in(role_or_user="affiliate", **kwargs):
        user = role_or_user if not isinstance(role_or_user, str) else factories.make_user(role_or_user, **kwargs)
        sessions.sign_in(client, user)
        return user

    return sign_in


@pytest.fixture
def fake_stripe(app):
    """A fresh stand-in Stripe on a free loopback port, with the app's Stripe settings aimed at it."""
    with FakeStripe() as fake, stripe_helpers.pointed_at(app, fake):
        fake.top_up("usd", 10**9)
        yield fake
