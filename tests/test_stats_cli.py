"""`flask stats …`: running and rebuilding the analytics rollup from the command line."""
from datetime import datetime

from app.extensions import db
from app.models.analytics import DailyLinkStats
from tests import factories


def _clicks_by_day():
    db.session.expire_all()
    return {row.day.isoformat(): row.clicks for row in db.session.scalars(db.select(DailyLinkStats))}


def test_run_and_rebuild(app):
    runner = app.test_cli_runner()
    link = factories.make_link()
    factories.make_click(link, created_at=datetime(2026, 1, 10, 3, 0))
    factories.make_click(link, created_at=datetime(2026, 3, 10, 3, 0))
    result = runner.invoke(args=["stats", "run"])
    assert result.exit_code == 0 and "Counted 2 clicks" in result.output
    db.session.execute(DailyLinkStats.__table__.update().values(clicks=7))
    db.session.commit()
    result = runner.invoke(args=["stats", "rebuild", "--since", "2026-03-20"])
    assert result.exit_code == 0 and "from 2026-03-01" in result.output
    assert _clicks_by_day() == {"2026-01-10": 7, "2026-03-10": 1}
    assert runner.invoke(args=["stats", "rebuild"]).exit_code == 0
    assert _clicks_by_day() == {"2026-01-10": 1, "2026-03-10": 1}


def test_rebuild_refuses_a_date_it_cannot_read(app):
    runner = app.test_cli_runner()
    for since in ("yesterday", "2026-02-30", "1900-01-01"):
        result = runner.invoke(args=["stats", "rebuild", "--since", since])
        assert result.exit_code == 2 and "--since" in result.output
