"""Monthly partitions of the clicks table on Postgres, made ahead by a daily job; one table on SQLite."""
from datetime import date, datetime

import pytest
from sqlalchemy import text

from app import schedule
from app.extensions import db
from app.models.common import utcnow
from app.services.analytics.cohorts import add_months
from app.services.tracking import drain, partitions, prune
from tests import factories
from tests.conftest import is_postgres

NOW = datetime(2031, 5, 20, 12, 0)


def _count(table: str) -> int:
    return db.session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608


def test_partitions_are_made_ahead_and_a_second_run_makes_none(app, drop_made_partitions):
    if not is_postgres(app):
        assert prune.make_partitions_ahead(NOW) == []  # SQLite keeps one table
        return
    assert app.config["CLICK_PARTITIONS_AHEAD"] == 3
    assert prune.make_partitions_ahead(NOW) == [date(2031, 5, 1), date(2031, 6, 1), date(2031, 7, 1),
                                                date(2031, 8, 1)]
    assert prune.make_partitions_ahead(NOW) == []
    assert {date(2031, month, 1) for month in (5, 6, 7, 8)} <= set(partitions.partitions())
    link = factories.make_link()
    click = factories.make_click(link, created_at=datetime(2031, 7, 31, 23, 59, 59))
    assert _count("clicks_2031_07") == 1 and drain.lookup_click(click.public_id).id == click.id


def test_clicks_already_in_the_default_partition_move_into_their_new_month(app, drop_made_partitions):
    if not is_postgres(app):
        pytest.skip("partitions are made on Postgres only")
    link = factories.make_link()
    click = factories.make_click(link, created_at=datetime(2031, 9, 3, 8, 0))
    factories.make_click(link, created_at=datetime(2031, 10, 1, 0, 0))
    assert _count("clicks_default") == 2
    assert partitions.ensure_ahead(0, datetime(2031, 9, 1)) == [date(2031, 9, 1)]
    assert (_count("clicks_2031_09"), _count("clicks_default")) == (1, 1)
    db.session.expire_all()
    assert drain.lookup_click(click.public_id).id == click.id


def test_the_daily_job_makes_the_partitions(app, drop_made_partitions):
    (job,) = [job for job in schedule.RECURRING if job.name == "click-partitions"]
    assert job.cron == "10 1 * * *"
    furthest = add_months(partitions.month_of(utcnow()), app.config["CLICK_PARTITIONS_AHEAD"])
    if is_postgres(app):
        # The migration made it; without it the job has work to do.
        db.session.execute(text(f"DROP TABLE IF EXISTS {partitions.name_of(furthest)}"))
        db.session.commit()
    ((declared, made, error),) = schedule.run_all(["click-partitions"])
    assert declared is job and error is None
    if is_postgres(app):
        assert made == 1 and furthest in partitions.partitions()
    else:
        assert made == 0
