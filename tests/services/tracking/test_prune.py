"""Raw clicks past CLICK_RETENTION_MONTHS go whole, once the rollups hold their figures; the figures stay."""
from datetime import date, datetime

from sqlalchemy import func, select, text

from app.extensions import db
from app.models.conversions import Conversion
from app.models.tracking import Click
from app.services.analytics import rollup
from app.services.tracking import drain, partitions, prune
from tests import factories
from tests.analytics_helpers import raw_figures, rollup_figures
from tests.conftest import is_postgres

NOW = datetime(2026, 12, 4, 8, 0)
# With 13 months kept before December 2026, November 2025 is the oldest month kept.
OLD_MONTHS = (datetime(2025, 9, 10, 3), datetime(2025, 10, 10, 3))
KEPT = datetime(2025, 11, 10, 3)
BY_MONTH = ("campaign_id", "link_id", "sub_id", "referrer")


def _clicks_and_conversions():
    link = factories.make_link()
    conversions = []
    for moment in (*OLD_MONTHS, KEPT):
        for sub1 in ("spring", "autumn"):
            click = factories.make_click(link, created_at=moment, sub1=sub1, referrer="https://www.blog.example/a")
            factories.make_click(link, created_at=moment, is_unique=False)
            conversions.append(factories.make_conversion(click, created_at=moment, status="approved"))
    return link, conversions


def _stored_months() -> list[date]:
    months = {date(m.year, m.month, 1) for m in db.session.scalars(select(Click.created_at))}
    db.session.rollback()
    return sorted(months)


def _plan(months) -> dict:
    return {month.month: (month.drop, month.reason) for month in months if month.month < date(2026, 1, 1)}


def test_dry_run_shows_what_would_go_and_drops_nothing(app, drop_made_partitions):
    _clicks_and_conversions()
    rollup.run()
    plan = _plan(prune.prune(dry_run=True, now=NOW))
    assert plan == {date(2025, 9, 1): (True, "older than the retention period and counted"),
                    date(2025, 10, 1): (True, "older than the retention period and counted"),
                    date(2025, 11, 1): (False, "within the retention period")}
    assert _stored_months() == [date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1)]


def test_prune_drops_old_months_and_every_figure_stays(app, drop_made_partitions):
    link, conversions = _clicks_and_conversions()
    if is_postgres(app):
        # September gets its own partition (its clicks move there from the default one); October stays
        # in the default partition: both ways of dropping a month are taken.
        assert partitions.ensure_ahead(0, datetime(2025, 9, 1)) == [date(2025, 9, 1)]
        assert db.session.scalar(text("SELECT count(*) FROM clicks_2025_09")) == 4
    rollup.run()
    figures = rollup_figures(("day", *BY_MONTH))
    dropped = [(month.month, month.clicks) for month in prune.prune(now=NOW) if month.drop]
    assert dropped == [(date(2025, 9, 1), 4), (date(2025, 10, 1), 4)]
    assert _stored_months() == [date(2025, 11, 1)]
    if is_postgres(app):
        assert date(2025, 9, 1) not in partitions.partitions()
    assert rollup_figures(("day", *BY_MONTH)) == figures
    rollup.rebuild()
    assert rollup_figures(("day", *BY_MONTH)) == figures
    # The conversions of the dropped months keep their link, sub-ID and referrer in raw figures too.
    conversion_figures = raw_figures(BY_MONTH, measures=("conversions", "commission"))
    assert conversion_figures[(link.campaign_id, link.id, "spring", "blog.example")]["conversions"] == 3
    kept = db.session.get(Conversion, conversions[0].id)
    assert kept.click is None and (kept.click_sub1, kept.link_id) == ("spring", link.id)


def test_a_month_the_rollup_has_not_counted_stays(app, drop_made_partitions):
    link = factories.make_link()
    factories.make_click(link, created_at=OLD_MONTHS[0])
    rollup.run()
    factories.make_click(link, created_at=OLD_MONTHS[0])  # arrived late, above the watermark
    assert _plan(prune.prune(now=NOW)) == {date(2025, 9, 1): (False, "not counted by the rollup yet")}
    assert db.session.scalar(select(func.count()).select_from(Click)) == 2


def test_a_click_stored_again_after_a_replay_is_not_doubled(app):
    """The click's unique key holds its time: a replayed click still collides, in any partition."""
    link = factories.make_link()
    click = factories.make_click(link, created_at=KEPT)
    row = {column: getattr(click, column) for column in ("public_id", "link_id", "campaign_id", "affiliate_id",
                                                         "created_at", "ip", "user_agent", "referrer", "sub1", "sub2",
                                                         "sub3", "sub4", "sub5", "is_unique", "is_attributable")}
    assert drain.store_rows([dict(row), dict(row, public_id="another-click")]) == 1
    assert db.session.scalar(select(func.count()).select_from(Click)) == 2


def test_the_command_shows_and_does_the_prune(app, drop_made_partitions, monkeypatch):
    _clicks_and_conversions()
    rollup.run()
    monkeypatch.setattr(prune, "utcnow", lambda: NOW)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tracking", "prune", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2025-09  would drop  (older than the retention period and counted)" in result.output
    assert "2025-11  keep  (within the retention period)" in result.output
    assert "Dry run: 2 month(s) would be dropped, nothing was changed." in result.output
    assert len(_stored_months()) == 3
    result = runner.invoke(args=["tracking", "prune"])
    assert result.exit_code == 0, result.output
    assert "2025-10  dropped 4 clicks" in result.output and "Dropped 2 month(s), 8 clicks." in result.output
    assert _stored_months() == [date(2025, 11, 1)]
