"""The drain: stream entries and spool files into the database, once and only once."""
import json
import os
import threading
import time

from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models.tracking import Link
from app.services.tracking import buffer, spool, store
from app.services.tracking import drain as click_drain
from app.services.tracking import follow as tracking
from app.services.tracking.drain import GROUP
from tests.factories import make_link
from tests.tracking_helpers import BROWSER, all_clicks, clean_click_path, stream_length  # noqa: F401


def follow(link, **kwargs):
    return tracking.follow_link(link.code, ip="198.51.100.7", user_agent=BROWSER, **kwargs)


def pending() -> int:
    return buffer.click_redis().xpending(buffer.stream_name(), GROUP)["pending"]


def test_a_click_waits_in_the_stream_until_the_drain_stores_it(app):
    link = make_link()
    click_id = follow(link, subs=["a"]).click_id
    assert stream_length() == 1 and all_clicks() == []
    assert click_drain.drain_once() == 1
    (stored,) = all_clicks()
    assert (stored.public_id, stored.link_id, stored.sub1, stored.is_unique) == (click_id, link.id, "a", True)
    assert stream_length() == 0 and pending() == 0
    assert click_drain.drain_once() == 0


def test_replaying_the_same_clicks_stores_them_once(app):
    link = make_link()
    follow(link)
    connection = buffer.click_redis()
    ((_, fields),) = connection.xrange(buffer.stream_name())
    connection.xadd(buffer.stream_name(), fields)  # as if a batch were delivered again
    assert click_drain.drain_once() == 1
    assert len(all_clicks()) == 1
    row = store.loads(fields[b"c"])
    with db.engine.begin() as conn:
        assert store.insert_clicks(conn, [row, dict(row)]) == 0
    assert len(all_clicks()) == 1


def test_a_failed_batch_stays_in_redis_and_is_stored_by_the_next_drain(app, monkeypatch):
    link = make_link()
    follow(link)
    follow(link)
    with monkeypatch.context() as m:
        m.setattr(store, "insert_clicks", lambda *a: (_ for _ in ()).throw(
            OperationalError("INSERT", {}, Exception("server closed the connection"))))
        try:
            click_drain.drain_once()
        except OperationalError:
            pass
    assert all_clicks() == [] and stream_length() == 2 and pending() == 2
    assert click_drain.drain_once() == 2
    assert len(all_clicks()) == 2 and stream_length() == 0 and pending() == 0


def test_clicks_a_dead_consumer_left_behind_are_taken_over(app, monkeypatch):
    link = make_link()
    follow(link)
    drain = click_drain.StreamDrain(buffer.click_redis())
    drain.consumer = "web-that-died"
    assert len(drain.read(">")) == 1  # read, then the process died before storing
    assert click_drain.drain_once() == 0  # another consumer's recent work is left alone
    monkeypatch.setattr(click_drain, "CLAIM_IDLE_MS", 0)
    assert click_drain.drain_once() == 1
    assert len(all_clicks()) == 1 and pending() == 0


def test_the_group_is_made_again_when_the_stream_disappeared(app):
    link = make_link()
    follow(link)
    assert click_drain.drain_once() == 1
    buffer.click_redis().delete(buffer.stream_name())  # e.g. Redis restarted empty
    follow(link)
    assert click_drain.drain_once() == 1
    assert len(all_clicks()) == 2


def test_a_click_whose_link_was_deleted_is_dropped_and_the_rest_stored(app):
    keep, gone = make_link(), make_link()
    follow(keep)
    follow(gone)
    db.session.delete(db.session.get(Link, gone.id))
    db.session.commit()
    assert click_drain.drain_once() == 1
    assert [c.link_id for c in all_clicks()] == [keep.id]
    assert stream_length() == 0


def test_a_click_the_database_refuses_is_set_aside_not_retried_forever(app):
    link = make_link()
    follow(link)
    # A NOT NULL column left empty: refused by every database, whatever the batch around it.
    bad = {**_row(link), "public_id": None, "sub1": "refused"}
    buffer.click_redis().xadd(buffer.stream_name(), {"c": store.dumps(bad)})
    buffer.click_redis().xadd(buffer.stream_name(), {"c": b"{not json"})
    assert click_drain.drain_once() == 1
    assert stream_length() == 0 and pending() == 0
    with open(os.path.join(spool.spool_dir(), spool.FAILED_FILE)) as f:
        failed = [json.loads(line) for line in f]
    unreadable, refused = sorted(failed, key=lambda f: "IntegrityError" in f["reason"])
    assert unreadable["click"] == "{not json" and "unreadable" in unreadable["reason"]
    assert '"sub1":"refused"' in refused["click"] and "IntegrityError" in refused["reason"]


def test_the_drain_command_stores_waiting_clicks(app):
    link = make_link()
    follow(link)
    follow(link)
    result = app.test_cli_runner().invoke(args=["tracking", "drain", "--once"])
    assert result.exit_code == 0, result.output
    assert "Stored 2 clicks." in result.output
    assert len(all_clicks()) == 2


def test_the_drain_loop_stores_clicks_as_they_come_and_stops_when_asked(app):
    link = make_link()
    stop, result = threading.Event(), {}

    def work():
        with app.app_context():
            result["total"] = click_drain.run(stop, batch_size=10, interval=0.01)

    worker = threading.Thread(target=work)
    worker.start()
    try:
        for _ in range(25):
            follow(link)
        deadline = time.monotonic() + 30
        while len(all_clicks()) < 25 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert not worker.is_alive()
    assert result["total"] == 25 and len(all_clicks()) == 25 and stream_length() == 0


def _row(link) -> dict:
    from app.models.common import utcnow

    return {"public_id": tracking.new_click_id(), "link_id": link.id, "campaign_id": link.campaign_id,
            "affiliate_id": link.affiliate_id, "created_at": utcnow(), "ip": "198.51.100.7",
            "user_agent": BROWSER, "referrer": None, "sub1": None, "sub2": None, "sub3": None, "sub4": None,
            "sub5": None, "is_unique": None, "is_attributable": True}


def test_a_batch_partly_stored_before_is_completed_without_duplicates(app):
    link = make_link()
    rows = [_row(link) for _ in range(3)]
    with db.engine.begin() as conn:
        assert store.insert_clicks(conn, rows[:1]) == 1
    with db.engine.begin() as conn:
        assert store.insert_clicks(conn, [dict(r) for r in rows]) == 2
    assert sorted(c.public_id for c in all_clicks()) == sorted(r["public_id"] for r in rows)


def test_the_drain_job_stores_waiting_clicks(app):
    from app.jobs.clicks import drain_clicks_job

    link = make_link()
    follow(link)
    assert drain_clicks_job() == 1
    assert len(all_clicks()) == 1
