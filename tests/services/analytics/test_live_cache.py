"""Clicks above the rollup's watermark are counted at most once every ANALYTICS_LIVE_SECONDS per scope."""
from datetime import datetime

import pytest

from app.services.analytics import live_cache, rollup
from app.services.analytics.funnel import funnel
from app.services.analytics.reader import Reader
from tests import factories
from tests.analytics_helpers import ZONE
from tests.services.analytics.test_cache_and_robots import MARCH, _scope


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    live_cache.clear()
    moving = Clock()
    monkeypatch.setattr(live_cache, "monotonic", moving)
    yield moving
    live_cache.clear()


@pytest.fixture
def kept(app, clock, monkeypatch):
    monkeypatch.setitem(app.config, "ANALYTICS_LIVE_SECONDS", 5.0)
    return clock


def figures(user) -> dict:
    with Reader(*_scope(user), ZONE) as reader:
        return funnel(reader, MARCH).figures


def test_an_answer_is_kept_for_the_seconds_given_then_computed_again(clock):
    answers = iter(range(10))
    assert live_cache.cached(("a",), 5, lambda: next(answers)) == 0
    clock.now += 4.9
    assert live_cache.cached(("a",), 5, lambda: next(answers)) == 0
    assert live_cache.cached(("b",), 5, lambda: next(answers)) == 1  # another key, its own answer
    clock.now += 0.1
    assert live_cache.cached(("a",), 5, lambda: next(answers)) == 2
    assert live_cache.cached(("a",), 0, lambda: next(answers)) == 3  # 0: never kept
    assert live_cache.cached(("a",), 0, lambda: next(answers)) == 4


def test_the_process_keeps_a_bounded_number_of_scopes(clock):
    for n in range(live_cache.LIMIT + 10):
        clock.now += 0.001
        live_cache.cached(live_cache.key(n), 60, lambda n=n: n)
    assert len(live_cache._entries) == live_cache.LIMIT
    assert live_cache.key(0) not in live_cache._entries  # the oldest went first
    assert live_cache.cached(live_cache.key(live_cache.LIMIT + 9), 60, lambda: "again") == live_cache.LIMIT + 9


def test_new_clicks_show_within_the_seconds_and_a_rollup_run_shows_them_at_once(kept):
    merchant = factories.make_user("merchant")
    link = factories.make_link(factories.make_campaign(merchant))
    factories.make_click(link, created_at=datetime(2026, 3, 5, 3, 0))
    assert figures(merchant)["clicks"] == 1
    factories.make_click(link, created_at=datetime(2026, 3, 6, 3, 0))
    assert figures(merchant)["clicks"] == 1  # counted a moment ago: not counted again yet
    kept.now += 5
    assert figures(merchant)["clicks"] == 2
    factories.make_click(link, created_at=datetime(2026, 3, 7, 3, 0))
    rollup.run()  # the new watermark: the rollup holds every click, nothing above it is reused
    assert figures(merchant)["clicks"] == 3
    factories.make_click(link, created_at=datetime(2026, 3, 8, 3, 0))
    assert figures(merchant)["clicks"] == 3
    kept.now += 5
    assert figures(merchant)["clicks"] == 4


def test_each_scope_counts_its_own_clicks(kept):
    first, second = factories.make_user("merchant"), factories.make_user("merchant")
    factories.make_click(factories.make_link(factories.make_campaign(first)), created_at=datetime(2026, 3, 5, 3))
    assert figures(first)["clicks"] == 1
    factories.make_click(factories.make_link(factories.make_campaign(second)), created_at=datetime(2026, 3, 5, 3))
    assert figures(second)["clicks"] == 1  # not the first merchant's kept count
    assert figures(factories.make_user("admin"))["clicks"] == 2


def test_a_conversion_shows_at_once(kept):
    merchant = factories.make_user("merchant")
    click = factories.make_click(factories.make_link(factories.make_campaign(merchant)),
                                 created_at=datetime(2026, 3, 5, 3, 0))
    assert figures(merchant)["conversions"] == 0
    factories.make_conversion(click, created_at=datetime(2026, 3, 5, 4, 0))
    shown = figures(merchant)
    assert shown["conversions"] == 1 and shown["clicks"] == 1
