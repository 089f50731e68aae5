"""Races on Postgres: a click whose transaction commits after a later one is never left below the watermark."""
import secrets
import threading
import time
from datetime import datetime

from sqlalchemy import insert, text

from app.extensions import db
from app.models.tracking import Click
from app.services.analytics import barrier, measures, rollup
from app.services.tracking import store
from tests import factories
from tests.analytics_helpers import assert_rollup_matches_raw, watermarks
from tests.concurrency import postgres_only, run_at_once

pytestmark = postgres_only()


def _click_row(link) -> dict:
    return {"public_id": secrets.token_urlsafe(16), "link_id": link.id, "campaign_id": link.campaign_id,
            "affiliate_id": link.affiliate_id, "created_at": datetime(2026, 3, 1, 5, 0), "is_unique": True,
            "is_attributable": True}


def test_the_rollup_waits_for_a_click_insert_still_open(app):
    link = factories.make_link()
    slow = db.engine.connect()
    slow_transaction = slow.begin()
    barrier.writing(slow)
    slow.execute(insert(Click), [_click_row(link)])  # takes the lower id, not committed yet
    with db.engine.begin() as fast:
        barrier.writing(fast)
        fast.execute(insert(Click), [_click_row(link)])
    finished = threading.Event()

    def roll():
        with app.app_context():
            rollup.run(wait=True)
            finished.set()

    runner = threading.Thread(target=roll)
    runner.start()
    time.sleep(0.5)
    assert not finished.is_set(), "the rollup drew its line while a click was half written"
    slow_transaction.commit()
    slow.close()
    runner.join(timeout=30)
    assert finished.is_set()
    assert watermarks()[0] >= 2
    assert_rollup_matches_raw()


def test_two_rollups_at_once_count_every_click_once(app):
    link = factories.make_link()
    with db.engine.begin() as conn:
        conn.execute(insert(Click), [_click_row(link) for _ in range(50)])
    outcomes = run_at_once(app, [rollup.run, rollup.run, lambda: rollup.run(wait=True)])
    assert not any(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    assert sum(outcome.clicks for outcome in outcomes) == 50
    assert_rollup_matches_raw()


def _exclusive_lock_free() -> bool:
    with db.engine.connect() as probe:
        taken = probe.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": barrier.WRITERS_LOCK})
        if taken:
            probe.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": barrier.WRITERS_LOCK})
    return bool(taken)


def test_click_writers_hold_the_shared_lock(app):
    """While the drain's transaction is open, the rollup's exclusive lock cannot be had."""
    link = factories.make_link()
    conn = db.engine.connect()
    transaction = conn.begin()
    try:
        store.insert_clicks(conn, [_click_row(link), _click_row(link)])
        assert not _exclusive_lock_free()
    finally:
        transaction.rollback()
        conn.close()
    assert _exclusive_lock_free()


def test_conversion_changes_hold_the_shared_lock(app):
    conversion = factories.make_conversion()
    measures.record_change(conversion, measures.conversion_state(conversion) | {"pending": 0})
    try:
        assert not _exclusive_lock_free()
    finally:
        db.session.rollback()
    assert _exclusive_lock_free()
