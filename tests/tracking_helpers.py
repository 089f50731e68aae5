"""Helpers for the click path tests: a clean click path per test, broken stores, reading the clicks."""
import os
import shutil

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models.tracking import Click
from app.services.tracking import buffer, link_cache, link_changes, spool, store

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture(autouse=True)
def clean_click_path(app):
    """Each test starts with an empty link cache, closed circuits (Redis tried again) and an empty spool."""
    link_cache.clear()
    link_changes.reset()
    buffer.reset_breakers()
    yield
    link_cache.clear()
    link_changes.reset()
    buffer.reset_breakers()
    shutil.rmtree(spool.spool_dir(), ignore_errors=True)


def all_clicks() -> list[Click]:
    db.session.expire_all()
    return list(db.session.scalars(select(Click).order_by(Click.id)))


def stream_length() -> int:
    connection = buffer.click_redis()
    return connection.xlen(buffer.stream_name()) if connection.exists(buffer.stream_name()) else 0


def spool_lines() -> list[str]:
    directory = spool.spool_dir()
    if not os.path.isdir(directory):
        return []
    lines = []
    for name in sorted(os.listdir(directory)):
        if name.startswith("clicks-"):
            with open(os.path.join(directory, name)) as f:
                lines.extend(line for line in f if line.strip())
    return lines


class BrokenRedis:
    """A Redis client whose server refuses every connection, counting how often it was tried."""

    _sock = None

    def __init__(self):
        self.calls = 0
        self.connection_pool = self
        self.connection_kwargs = {}

    def connect(self):
        self.calls += 1
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def connection_class(self):
        return self

    def pack_commands(self, commands):
        return [b"".join(str(part).encode() for part in command) for command in commands]

    def send_packed_command(self, packed):
        self.calls += 1
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def disconnect(self):
        pass


def database_down(*args, **kwargs):
    raise OperationalError("INSERT INTO clicks", {}, Exception("connection refused"))


def break_redis(monkeypatch, app) -> BrokenRedis:
    broken = BrokenRedis()
    monkeypatch.setitem(app.extensions, "click_redis", broken)
    return broken


def break_database(monkeypatch) -> None:
    monkeypatch.setattr(store, "insert_clicks", database_down)
    monkeypatch.setattr(store, "insert_fresh", database_down)


def without_redis(monkeypatch, app) -> None:
    """The development setup: no REDIS_URL, so clicks are written straight to the database."""
    monkeypatch.setitem(app.extensions, "click_redis", None)
