"""The cache in front of rollup reads, and the robot visits counted beside the redirect."""
from datetime import date, datetime

from app.extensions import db
from app.models.analytics import RobotClicks
from app.services.analytics import cache, rollup
from app.services.analytics.funnel import funnel
from app.services.analytics.periods import Period
from app.services.analytics.reader import Reader
from app.services.analytics.scope import check_filters, scope_for
from app.services.tracking import follow
from tests import factories
from tests.analytics_helpers import ZONE
from tests.tracking_helpers import BrokenRedis, without_redis

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _clicks(merchant):
    with Reader(*_scope(merchant), ZONE) as reader:
        return funnel(reader, MARCH).figures["clicks"]


def _scope(user):
    scope = scope_for(user)
    return scope, check_filters(scope, {}, "VND")[0]


def _cached_keys(app) -> list:
    return list(app.extensions["redis"].scan_iter(cache.PREFIX + "*"))


def test_figures_are_cached_and_a_rollup_run_makes_them_stale(app):
    merchant = factories.make_user("merchant")
    link = factories.make_link(factories.make_campaign(merchant))
    factories.make_click(link, created_at=datetime(2026, 3, 5, 3, 0))
    rollup.run()
    cache.reset()
    assert _clicks(merchant) == 1 and _cached_keys(app)
    # A figure changed behind the job's back stays cached until the job next changes the rollup.
    db.session.execute(db.text("UPDATE stats_daily_campaigns SET clicks = 41"))
    db.session.commit()
    assert _clicks(merchant) == 1
    factories.make_click(link, created_at=datetime(2026, 3, 6, 3, 0))
    assert _clicks(merchant) == 2  # the new click is read above the watermark, never cached
    rollup.run()
    assert _clicks(merchant) == 42  # the run raised the version: the cached answer is not read again


def test_pages_work_while_redis_is_away(app, monkeypatch):
    merchant = factories.make_user("merchant")
    factories.make_click(factories.make_link(factories.make_campaign(merchant)), created_at=datetime(2026, 3, 5, 3))
    rollup.run()
    cache.reset()
    monkeypatch.setitem(app.extensions, "redis", BrokenRedis())
    try:
        assert _clicks(merchant) == 1
        assert _clicks(merchant) == 1  # Redis is left alone for a while after failing
    finally:
        cache.reset()


def test_robot_visits_are_counted_not_recorded(app):
    link = factories.make_link()
    redirect = follow.follow_link(link.code, user_agent=BOT, ip="66.249.66.1")
    assert redirect.click_id is None
    follow.follow_link(link.code, user_agent=BOT, ip="66.249.66.1")
    rollup.run()
    (row,) = db.session.scalars(db.select(RobotClicks)).all()
    assert (row.link_id, row.robot_clicks) == (link.id, 2)
    rollup.run()  # copying the same counts again changes nothing
    db.session.expire_all()
    assert db.session.scalar(db.select(RobotClicks.robot_clicks)) == 2


def test_without_redis_robot_visits_go_to_the_table(app, monkeypatch):
    link = factories.make_link()
    without_redis(monkeypatch, app)
    follow.follow_link(link.code, user_agent="", ip="192.0.2.1")
    assert db.session.scalar(db.select(RobotClicks.robot_clicks)) == 1
