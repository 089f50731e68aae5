"""Old months of raw clicks go only once the rollup holds their figures, and the figures stay."""
from datetime import date, datetime

from sqlalchemy import delete, select

from app.extensions import db
from app.models.analytics import DailyLinkStats, StatsState
from app.models.tracking import Click
from app.services.analytics import retention, rollup
from tests import factories
from tests.analytics_helpers import ZONE

NOW = datetime(2026, 12, 4, 8, 0)


class ClickMonths:
    """The click store's monthly partition functions, as far as a prune uses them: list and drop."""

    def list(self) -> list[date]:
        moments = db.session.scalars(select(Click.created_at)).all()
        return sorted({date(moment.year, moment.month, 1) for moment in moments})

    def drop(self, month: date) -> int:
        after = retention.add_months(month, 1)
        result = db.session.execute(delete(Click).where(Click.created_at >= month, Click.created_at < after))
        db.session.commit()
        return result.rowcount


def _clicks_by_month() -> dict:
    db.session.expire_all()
    months: dict = {}
    for row in db.session.scalars(select(DailyLinkStats)):
        months[row.day.strftime("%Y-%m")] = months.get(row.day.strftime("%Y-%m"), 0) + row.clicks
    return months


def _prune(**kwargs):
    months = ClickMonths()
    return retention.prune(months.list, months.drop, 13, ZONE, now=NOW, **kwargs)


def test_a_counted_month_past_retention_goes_and_its_figures_stay(app):
    link = factories.make_link()
    for moment in (datetime(2025, 9, 10, 3), datetime(2025, 10, 10, 3), datetime(2025, 11, 10, 3)):
        factories.make_click(link, created_at=moment)
    rollup.run()
    plan = {month.month: (month.drop, month.reason) for month in _prune(dry_run=True)}
    assert plan == {date(2025, 9, 1): (True, "older than the retention period and counted"),
                    date(2025, 10, 1): (True, "older than the retention period and counted"),
                    date(2025, 11, 1): (False, "within the retention period")}
    assert len(ClickMonths().list()) == 3  # a dry run drops nothing
    dropped = [month for month in _prune() if month.drop]
    assert [(month.month, month.clicks) for month in dropped] == [(date(2025, 9, 1), 1), (date(2025, 10, 1), 1)]
    assert ClickMonths().list() == [date(2025, 11, 1)]
    assert _clicks_by_month() == {"2025-09": 1, "2025-10": 1, "2025-11": 1}
    # Ho Chi Minh City is ahead of UTC: the first local month whose clicks are all still raw is December.
    assert db.session.get(StatsState, 1).raw_clicks_from == date(2025, 12, 1)
    rollup.rebuild()
    assert _clicks_by_month() == {"2025-09": 1, "2025-10": 1, "2025-11": 1}


def test_a_month_the_rollup_has_not_counted_is_kept(app):
    link = factories.make_link()
    factories.make_click(link, created_at=datetime(2025, 9, 10, 3))
    rollup.run()
    factories.make_click(link, created_at=datetime(2025, 9, 11, 3))  # arrived late, above the watermark
    (month,) = _prune()
    assert (month.drop, month.reason) == (False, "not counted by the rollup yet")
    assert len(db.session.scalars(select(Click)).all()) == 2


def test_the_first_whole_local_month_depends_on_the_zone():
    assert retention.first_whole_local_month(date(2025, 2, 1), "Asia/Ho_Chi_Minh") == date(2025, 4, 1)
    assert retention.first_whole_local_month(date(2025, 2, 1), "UTC") == date(2025, 3, 1)
    assert retention.first_whole_local_month(date(2025, 2, 1), "America/New_York") == date(2025, 3, 1)
