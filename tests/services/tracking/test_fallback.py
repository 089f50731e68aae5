"""When Redis or the database fail: the visitor is redirected and the click is kept."""
import os

import pytest
from loguru import logger
from sqlalchemy.exc import OperationalError

from app.services.tracking import buffer, drain, follow, link_cache, spool, store
from tests.factories import make_click, make_link
from tests.tracking_helpers import (  # noqa: F401
    BROWSER,
    all_clicks,
    break_database,
    break_redis,
    clean_click_path,
    database_down,
    spool_lines,
    stream_length,
    without_redis,
)


def visit(client, link):
    return client.get(f"/r/{link.code}", headers={"User-Agent": BROWSER})


def test_without_redis_a_click_is_written_to_the_database_at_once(app, client, monkeypatch):
    without_redis(monkeypatch, app)
    link = make_link()
    response = visit(client, link)
    assert response.status_code == 302
    (stored,) = all_clicks()
    assert response.headers["Location"].endswith(f"aff_click_id={stored.public_id}")
    assert stored.is_unique is True


def test_when_redis_fails_the_click_goes_to_the_database_and_redis_is_skipped_for_a_while(app, client, monkeypatch):
    broken = break_redis(monkeypatch, app)
    link = make_link()
    first, second = visit(client, link), visit(client, link)
    assert first.status_code == second.status_code == 302
    assert [c.public_id for c in all_clicks()] == [
        r.headers["Location"].rpartition("=")[2] for r in (first, second)]
    assert [c.is_unique for c in all_clicks()] == [True, False]
    assert broken.calls == 1  # the second click did not wait for a dead Redis
    buffer.reset_breakers()  # the retry period is over
    visit(client, link)
    assert broken.calls == 2 and len(all_clicks()) == 3


def test_a_click_goes_back_to_the_stream_once_redis_answers_again(app, client, monkeypatch):
    link = make_link()
    with monkeypatch.context() as m:
        break_redis(m, app)
        visit(client, link)
    monkeypatch.setattr(buffer, "RETRY_AFTER_SECONDS", 0)
    buffer.reset_breakers()
    visit(client, link)
    assert len(all_clicks()) == 1 and stream_length() == 1
    drain.drain_once()
    assert len(all_clicks()) == 2


def test_when_redis_and_the_database_fail_the_click_is_spooled_and_replayed(app, client, monkeypatch):
    link = make_link()
    with monkeypatch.context() as m:
        break_redis(m, app)
        break_database(m)
        responses = [visit(client, link) for _ in range(3)]
        assert [r.status_code for r in responses] == [302] * 3
        assert all_clicks() == [] and len(spool_lines()) == 3
        with pytest.raises(OperationalError):  # the database is still down: the spool stays
            drain.drain_once()
        assert len(_claimed_files()) == 1
    assert drain.drain_once() == 3
    stored = all_clicks()
    assert sorted(c.public_id for c in stored) == sorted(r.headers["Location"].rpartition("=")[2] for r in responses)
    assert [c.is_unique for c in stored] == [True, False, False]
    assert spool_lines() == [] and _claimed_files() == []


def test_replaying_a_spool_file_twice_adds_nothing_twice(app):
    link = make_link()
    click = make_click(link)
    row = store.loads(store.dumps({
        "public_id": click.public_id, "link_id": link.id, "campaign_id": link.campaign_id,
        "affiliate_id": link.affiliate_id, "created_at": click.created_at, "is_attributable": True}))
    fresh = dict(row, public_id=follow.new_click_id())
    for r in (row, fresh, fresh):
        spool.write(store.dumps(r))
    assert drain.drain_once() == 1
    assert len(all_clicks()) == 2


def test_a_claimed_file_left_by_a_crashed_drain_is_replayed(app):
    link = make_link()
    row = store.loads(store.dumps({
        "public_id": follow.new_click_id(), "link_id": link.id, "campaign_id": link.campaign_id,
        "affiliate_id": link.affiliate_id, "created_at": store.datetime(2026, 1, 2, 3, 4, 5),
        "is_attributable": True}))
    os.makedirs(spool.spool_dir(), exist_ok=True)
    leftover = os.path.join(spool.spool_dir(), "clicks-123.jsonl.456-789.processing")
    with open(leftover, "w") as f:
        f.write(store.dumps(row) + "\n" + '{"public_id": "half a li')
    assert drain.drain_once() == 1
    assert [c.public_id for c in all_clicks()] == [row["public_id"]]
    assert not os.path.exists(leftover)
    with open(os.path.join(spool.spool_dir(), spool.FAILED_FILE)) as f:
        assert "half a li" in f.read()


def test_a_writer_holding_a_renamed_spool_file_writes_to_a_new_one(app):
    # The drain renamed the file after this writer opened it: the line must not go into the claimed file.
    os.makedirs(spool.spool_dir(), exist_ok=True)
    path = os.path.join(spool.spool_dir(), "clicks-1.jsonl")
    spool.append_line(path, "first")
    (claimed,) = spool.claim_files()
    spool.append_line(path, "second")
    with open(claimed) as f:
        assert f.read() == "first\n"
    with open(path) as f:
        assert f.read() == "second\n"


def test_when_nothing_can_keep_the_click_the_visitor_is_still_redirected_and_it_is_logged(app, client, monkeypatch):
    break_redis(monkeypatch, app)
    break_database(monkeypatch)
    monkeypatch.setattr(spool, "write", lambda line: (_ for _ in ()).throw(OSError(28, "No space left")))
    messages = []
    sink = logger.add(lambda m: messages.append(m.record), level="WARNING")
    try:
        response = visit(client, make_link())
    finally:
        logger.remove(sink)
    assert response.status_code == 302 and "aff_click_id=" in response.headers["Location"]
    lost = [m for m in messages if m["message"].startswith("click lost")]
    assert len(lost) == 1 and response.headers["Location"].rpartition("=")[2] in lost[0]["message"]


def test_lookup_click_finds_a_click_written_straight_to_the_database(app, monkeypatch):
    without_redis(monkeypatch, app)
    outcome = follow.follow_link(make_link().code, ip="198.51.100.7", user_agent=BROWSER)
    assert drain.lookup_click(outcome.click_id).public_id == outcome.click_id


def test_lookup_click_replays_the_spool(app, monkeypatch):
    link = make_link()
    with monkeypatch.context() as m:
        break_redis(m, app)
        break_database(m)
        outcome = follow.follow_link(link.code, ip="198.51.100.7", user_agent=BROWSER)
    assert drain.lookup_click(outcome.click_id).link_id == link.id


def _claimed_files() -> list[str]:
    directory = spool.spool_dir()
    return [n for n in os.listdir(directory) if n.endswith(".processing")] if os.path.isdir(directory) else []


def test_a_known_link_keeps_redirecting_while_the_database_is_down(app, client, monkeypatch):
    link = make_link()
    visit(client, link)
    link_cache.mark_stale()  # say another change was committed: the next click reloads the links
    monkeypatch.setattr(link_cache, "_load_all", database_down)
    response = visit(client, link)
    assert response.status_code == 302 and "aff_click_id=" in response.headers["Location"]
    drain.drain_once()
    assert len(all_clicks()) == 2


def test_an_unknown_link_while_the_database_is_down_is_a_503_not_a_500(app, client, monkeypatch):
    monkeypatch.setattr(link_cache, "_load_all", database_down)
    response = client.get("/r/abcdef", headers={"User-Agent": BROWSER})
    assert response.status_code == 503


def test_when_redis_answers_with_an_error_the_click_goes_to_the_database(app, client):
    connection = buffer.click_redis()
    connection.set(buffer.stream_name(), "not a stream")  # XADD now fails with WRONGTYPE
    link = make_link()
    assert visit(client, link).status_code == 302
    assert len(all_clicks()) == 1
    connection.delete(buffer.stream_name())
    buffer.reset_breakers()
    visit(client, link)  # the pooled connection is not left with an unread reply
    assert stream_length() == 1
    drain.drain_once()
    assert [c.is_unique for c in all_clicks()] == [True, False]
