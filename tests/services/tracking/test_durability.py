"""Clicks waiting in Redis cannot be lost silently: persistence is checked, and a lost stream is reported.

Uses Redis servers of the test's own (tests/servers.py): one that keeps an append-only file, one that
keeps nothing across a restart.
"""
import pytest
from loguru import logger

from app.config import ProductionConfig
from app.services.tracking import buffer, drain, durability
from app.services.tracking.follow import follow_link
from tests.app_helpers import other_app
from tests.factories import make_link
from tests.servers import Servers, require_servers
from tests.tracking_helpers import BROWSER, all_clicks, clean_click_path  # noqa: F401 (fixture)


@pytest.fixture
def servers():
    require_servers()
    with Servers() as started:
        yield started


def redis_with(servers, **persistence):
    server = servers.redis(**persistence)
    server.start()
    return server


def use_redis(monkeypatch, app, server):
    """Point the app's Redis (jobs, click buffer, drain) at `server`."""
    client = server.client()
    monkeypatch.setitem(app.extensions, "redis", client)
    monkeypatch.setitem(app.extensions, "click_redis", client)
    return client


@pytest.mark.parametrize(("appendonly", "appendfsync", "durable"), [
    ("yes", "everysec", True), ("yes", "always", True), ("yes", "no", False), ("no", "everysec", False)])
def test_redis_persistence_is_read_from_the_server(app, servers, appendonly, appendfsync, durable):
    server = redis_with(servers, appendonly=appendonly, appendfsync=appendfsync)
    found = durability.of_redis(server.client())
    assert found.durable is durable
    if not durable:
        assert ("appendonly" in found.reason) or ("appendfsync" in found.reason)


def test_health_reports_a_redis_that_would_forget_clicks(app, client, servers, monkeypatch):
    use_redis(monkeypatch, app, redis_with(servers, appendonly="no"))
    monkeypatch.setitem(app.config, "CLICK_BUFFER_DURABILITY", "require")
    body = client.get("/health").get_json()
    assert body["redis"] == "ok"
    assert body["status"] == "degraded"
    assert body["click_buffer"]["durable"] is False
    assert "appendonly" in body["click_buffer"]["reason"]

    monkeypatch.setitem(app.config, "CLICK_BUFFER_DURABILITY", "accept-loss")
    body = client.get("/health").get_json()
    assert body["status"] == "ok"
    assert body["click_buffer"]["durable"] is False and body["click_buffer"]["loss_accepted"] is True


def test_health_reports_a_persistent_redis_as_durable(app, client, servers, monkeypatch):
    use_redis(monkeypatch, app, redis_with(servers, appendonly="yes", appendfsync="everysec"))
    monkeypatch.setitem(app.config, "CLICK_BUFFER_DURABILITY", "require")
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["click_buffer"]["durable"] is True


def test_production_refuses_to_start_on_a_redis_without_persistence(base_app, servers):
    server = redis_with(servers, appendonly="no")

    class Production(ProductionConfig):
        SECRET_KEY = "a-long-random-production-secret-for-tests"
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        REDIS_URL = server.url
        LOG_FILE = ""
        CLICK_BUFFER_DURABILITY = "require"

    class ProductionAcceptingLoss(Production):
        CLICK_BUFFER_DURABILITY = "accept-loss"

    with other_app(base_app, Production) as production:
        with pytest.raises(RuntimeError, match="appendonly"):
            durability.require_at_start(production, production.extensions["redis"])
    with other_app(base_app, ProductionAcceptingLoss) as production:
        durability.require_at_start(production, production.extensions["redis"])


def test_the_drain_logs_the_range_of_clicks_a_restarted_empty_redis_lost(app, servers, monkeypatch):
    server = redis_with(servers, appendonly="no")
    use_redis(monkeypatch, app, server)
    link = make_link()

    def follow():
        return follow_link(link.code, ip="198.51.100.7", user_agent=BROWSER).click_id

    stored = [follow(), follow()]
    assert drain.drain_once() == 2
    last_stored_entry = server.client().xinfo_stream(buffer.stream_name())["last-generated-id"].decode()
    lost = [follow(), follow(), follow()]  # answered, waiting in Redis
    server.kill()
    server.start()  # empty: no append-only file
    monkeypatch.setitem(app.extensions, "click_redis", server.client())
    monkeypatch.setitem(app.extensions, "redis", server.client())
    buffer.reset_breakers()
    after_restart = follow()
    first_new_entry = server.client().xrange(buffer.stream_name())[0][0].decode()

    errors = []
    sink = logger.add(lambda m: errors.append(m.record["message"]), level="ERROR")
    try:
        assert drain.drain_once() == 1
    finally:
        logger.remove(sink)
    in_database = {c.public_id for c in all_clicks()}
    assert in_database == set(stored) | {after_restart}
    assert not set(lost) & in_database
    (report,) = [e for e in errors if "lost clicks" in e]
    assert last_stored_entry in report and first_new_entry in report
    # Reported once: the next drain finds the stream whole again.
    errors.clear()
    sink = logger.add(lambda m: errors.append(m.record["message"]), level="ERROR")
    try:
        follow()
        assert drain.drain_once() == 1
    finally:
        logger.remove(sink)
    assert errors == []
