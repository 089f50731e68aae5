"""Health checks: database and Redis state on /health; /track/health touches no database."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from app.extensions import db


@contextmanager
def counting_statements():
    """Count every SQL statement sent to the database while the block runs."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_health_reports_database_and_redis(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["db"] == "ok" and body["redis"] == "ok" and body["status"] == "ok"


def test_health_is_503_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", unreachable)
    response = client.get("/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["db"] == "error" and body["status"] == "degraded"


def test_health_with_redis_down_is_degraded_but_up(app, client, monkeypatch):
    # Clicks fall back to the database when Redis is down, so the node still takes traffic.
    def refused():
        raise ConnectionError("redis down")

    monkeypatch.setattr(app.extensions["redis"], "ping", refused)
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"db": "ok", "redis": "error", "status": "degraded"}


def test_health_without_redis_configured(app, client, monkeypatch):
    monkeypatch.setitem(app.extensions, "redis", None)
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json()["redis"] == "disabled"


def test_health_needs_no_sign_in_and_no_csrf(client):
    assert client.get("/health").status_code == 200
    assert client.head("/health").status_code == 200


def test_track_health_does_no_database_work(client):
    with counting_statements() as statements:
        assert client.get("/health").status_code == 200
    assert statements, "the counter must see the database check of /health"

    with counting_statements() as statements:
        response = client.get("/track/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert statements == []


def test_track_health_stays_up_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr(db.session, "execute", pytest.fail)
    assert client.get("/track/health").status_code == 200
