"""The click use case: link cache, robots, the click id in the URL, the uniqueness rule."""
from datetime import timedelta

import pytest

from app.extensions import db
from app.models.common import utcnow
from app.models.tracking import Click
from app.services.tracking import buffer, drain
from app.services.tracking import follow as tracking
from tests.factories import make_campaign, make_click, make_link
from tests.tracking_helpers import BROWSER, all_clicks, clean_click_path, without_redis  # noqa: F401


def follow(link, **kwargs):
    kwargs.setdefault("ip", "198.51.100.7")
    kwargs.setdefault("user_agent", BROWSER)
    return tracking.follow_link(link.code, **kwargs)


@pytest.mark.parametrize("url, expected", [
    ("https://shop.example/", "https://shop.example/?aff_click_id=ID"),
    ("https://shop.example", "https://shop.example?aff_click_id=ID"),
    ("https://shop.example/p?a=1&b=", "https://shop.example/p?a=1&b=&aff_click_id=ID"),
    ("https://shop.example/p?a=%2F&&c=d", "https://shop.example/p?a=%2F&&c=d&aff_click_id=ID"),
    ("https://shop.example/p?aff_click_id=old", "https://shop.example/p?aff_click_id=ID"),
    ("https://shop.example/p?aff%5Fclick%5Fid=old&x=1", "https://shop.example/p?x=1&aff_click_id=ID"),
    ("https://shop.example/p?aff_click_idx=1", "https://shop.example/p?aff_click_idx=1&aff_click_id=ID"),
    ("https://shop.example/p#section?x", "https://shop.example/p?aff_click_id=ID#section?x"),
    ("https://shop.example/p?q=1#frag", "https://shop.example/p?q=1&aff_click_id=ID#frag"),
])
def test_with_click_id_keeps_the_query_and_replaces_an_old_id(url, expected):
    assert tracking.with_click_id(url, "ID") == expected


def test_click_ids_are_opaque_url_safe_and_long_enough():
    ids = {tracking.new_click_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == 22 and all(c.isalnum() or c in "-_" for c in i) for i in ids)


@pytest.mark.parametrize("agent", [
    BROWSER,
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Mobile "
    "Safari/537.36 Telegram-Android/11.0.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Zalo iOS/1.0",
])
def test_browsers_are_not_robots(agent):
    assert not tracking.is_robot(agent)


def test_unknown_code_raises():
    with pytest.raises(tracking.UnknownLink):
        tracking.follow_link("missing", user_agent=BROWSER)
    with pytest.raises(tracking.UnknownLink):
        tracking.follow_link("", user_agent=BROWSER)


def test_a_change_committed_here_applies_to_the_next_click(app):
    link = make_link()
    follow(link)
    link.archived_at = utcnow()
    db.session.commit()
    follow(link)
    drain.drain_once()
    assert [c.is_attributable for c in all_clicks()] == [True, False]


def test_not_recording_gives_no_click_id(app):
    link = make_link()
    outcome = follow(link, record=False)
    assert outcome.click_id is None and outcome.location == "https://shop.example/landing"
    assert outcome.cookie_max_age == 30 * 86400


@pytest.mark.parametrize("redis", [True, False], ids=["stream", "database"])
def test_a_visitor_counts_once_per_link_per_hour(app, monkeypatch, redis):
    if not redis:
        without_redis(monkeypatch, app)
    link = make_link()
    follow(link)
    follow(link)
    follow(link, ip="198.51.100.8")
    follow(link, user_agent=BROWSER + " Edg/125")
    drain.drain_once()
    assert [c.is_unique for c in all_clicks()] == [True, False, True, True]


def test_on_the_database_path_a_visitor_counts_again_an_hour_after_the_unique_click(app, monkeypatch):
    without_redis(monkeypatch, app)
    link = make_link()
    start = utcnow() - timedelta(hours=3)
    for minutes in (0, 30, 59, 61, 100, 122):
        monkeypatch.setattr(tracking, "utcnow", lambda m=minutes: start + timedelta(minutes=m))
        follow(link)
    assert [c.is_unique for c in all_clicks()] == [True, False, False, True, False, True]


def test_on_the_stream_path_the_visitor_key_lasts_an_hour(app):
    link = make_link()
    follow(link)
    key = buffer.seen_key(link.id, "198.51.100.7", BROWSER)
    connection = buffer.click_redis()
    assert 3500 < connection.ttl(key) <= 3600
    follow(link)
    connection.delete(key)  # what expiry does after the hour
    follow(link)
    drain.drain_once()
    assert [c.is_unique for c in all_clicks()] == [True, False, True]


def test_when_the_visitor_key_expired_before_the_drain_the_database_decides(app):
    link = make_link()
    earlier = make_click(link, ip="198.51.100.7", user_agent=BROWSER, created_at=utcnow() - timedelta(minutes=20))
    follow(link)
    buffer.click_redis().delete(buffer.seen_key(link.id, "198.51.100.7", BROWSER))
    drain.drain_once()
    stored = all_clicks()
    assert [(c.id == earlier.id, c.is_unique) for c in stored] == [(True, True), (False, False)]


def test_lookup_click_finds_a_click_still_waiting_in_the_stream(app):
    link = make_link()
    outcome = follow(link)
    assert db.session.scalar(db.select(Click).where(Click.public_id == outcome.click_id)) is None
    found = drain.lookup_click(outcome.click_id)
    assert found is not None and found.public_id == outcome.click_id and found.link_id == link.id


@pytest.mark.parametrize("public_id", [None, "", "unknown-click-id", "x" * 65, "a\x00b", "caf\u00e9", 42])
def test_lookup_click_of_an_unknown_id_is_none(app, public_id):
    assert drain.lookup_click(public_id) is None


def test_lookup_click_finds_a_stored_click(app):
    click = make_click()
    assert drain.lookup_click(click.public_id).id == click.id


def test_the_campaign_landing_page_is_used_when_the_link_has_no_destination(app):
    link = make_link(make_campaign(landing_url="https://shop.example/welcome?src=aff"))
    assert follow(link).location.startswith("https://shop.example/welcome?src=aff&aff_click_id=")
