"""The rollup job: clicks and conversions counted once, on the right day, incrementally or rebuilt."""
from datetime import date, datetime

from sqlalchemy import select

from app.extensions import db
from app.models.analytics import DailyCampaignStats, DailyLinkStats, MonthlyAffiliateStats, StatsState
from app.services.analytics import rollup
from tests import factories
from tests.analytics_helpers import assert_rollup_matches_raw, rollup_figures, watermarks


def _rows(model):
    db.session.expire_all()
    return db.session.scalars(select(model)).all()


def test_a_click_counts_on_its_day_in_the_display_time_zone(app):
    link = factories.make_link()
    # Ho Chi Minh City is UTC+7: 16:59:59 UTC is still the 1st there, 17:00 UTC is already the 2nd.
    factories.make_click(link, created_at=datetime(2026, 3, 1, 16, 59, 59))
    factories.make_click(link, created_at=datetime(2026, 3, 1, 17, 0, 0))
    factories.make_click(link, created_at=datetime(2026, 3, 1, 17, 0, 1), is_unique=False)
    rollup.run()
    days = {row.day: (row.clicks, row.unique_clicks) for row in _rows(DailyLinkStats)}
    assert days == {date(2026, 3, 1): (1, 1), date(2026, 3, 2): (2, 1)}


def test_running_twice_counts_each_click_once(app):
    link = factories.make_link()
    for minute in range(3):
        factories.make_click(link, created_at=datetime(2026, 3, 5, 3, minute))
    first = rollup.run()
    second = rollup.run()
    assert first.clicks == 3 and second.clicks == 0
    assert [row.clicks for row in _rows(DailyLinkStats)] == [3]
    assert [row.clicks for row in _rows(DailyCampaignStats)] == [3]
    assert [row.clicks for row in _rows(MonthlyAffiliateStats)] == [3]


def test_clicks_after_the_run_are_added_by_the_reader_until_the_next_run(app):
    link = factories.make_link(sub_id="spring")
    factories.make_click(link, created_at=datetime(2026, 3, 5, 3, 0), sub1="spring")
    rollup.run()
    factories.make_click(link, created_at=datetime(2026, 3, 5, 4, 0), sub1="spring")
    factories.make_click(link, created_at=datetime(2026, 3, 6, 4, 0), referrer="https://www.facebook.com/x")
    assert watermarks()[0] == 1
    assert_rollup_matches_raw()
    assert rollup_figures(("day",))[(date(2026, 3, 5),)]["clicks"] == 2
    rollup.run()
    assert watermarks()[0] == 3
    assert_rollup_matches_raw()
    assert_rollup_matches_raw(("referrer", "sub_id"))


def test_every_run_moves_the_version_only_when_figures_changed(app):
    factories.make_click(factories.make_link(), created_at=datetime(2026, 3, 5, 3, 0))
    rollup.run()
    version = db.session.get(StatsState, 1).version
    rollup.run()
    db.session.expire_all()
    assert db.session.get(StatsState, 1).version == version


def test_rebuild_recomputes_from_raw_rows_and_keeps_other_days(app):
    link = factories.make_link()
    factories.make_click(link, created_at=datetime(2026, 1, 10, 3, 0))
    factories.make_click(link, created_at=datetime(2026, 3, 10, 3, 0))
    rollup.run()
    # A wrong figure (as a bug or a restored backup could leave) is put right by a rebuild.
    db.session.execute(DailyLinkStats.__table__.update().values(clicks=99))
    db.session.commit()
    outcome = rollup.rebuild(date(2026, 3, 15))
    assert outcome.rebuilt_from == date(2026, 3, 1)
    by_day = {row.day: row.clicks for row in _rows(DailyLinkStats)}
    assert by_day == {date(2026, 1, 10): 99, date(2026, 3, 10): 1}
    rollup.rebuild()
    assert_rollup_matches_raw()


def test_rebuild_counts_conversions_as_they_stand(app):
    click = factories.make_click(created_at=datetime(2026, 3, 10, 3, 0))
    factories.make_conversion(click, amount=500_000, created_at=datetime(2026, 3, 10, 4, 0))
    factories.make_conversion(click, amount=300_000, status="rejected", created_at=datetime(2026, 3, 10, 5, 0))
    rollup.rebuild()
    (row,) = _rows(DailyLinkStats)
    assert (row.conversions, row.pending, row.rejected, row.revenue, row.commission) == (2, 1, 1, 500_000, 50_000)
    assert_rollup_matches_raw(("day", "campaign_id", "currency"))


def test_a_new_display_time_zone_recuts_the_days(app, monkeypatch):
    link = factories.make_link()
    factories.make_click(link, created_at=datetime(2026, 3, 1, 20, 0))  # the 2nd in Ho Chi Minh City
    rollup.run()
    assert [row.day for row in _rows(DailyLinkStats)] == [date(2026, 3, 2)]
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_TIMEZONE", "UTC")
    assert rollup.run().rebuilt
    assert [row.day for row in _rows(DailyLinkStats)] == [date(2026, 3, 1)]
