"""A conversion sent right after its click finds the click, however the drain's work falls between its looks."""
import threading

import pytest
from sqlalchemy import event

from app.extensions import db
from app.services.tracking import buffer, drain
from app.services.tracking.follow import follow_link
from tests.concurrency import postgres_only
from tests.factories import make_link
from tests.tracking_helpers import BROWSER, clean_click_path  # noqa: F401 (fixture)


def postgres_marks(test):
    for mark in postgres_only():
        test = mark(test)
    return test


def follow(link):
    return follow_link(link.code, ip="198.51.100.7", user_agent=BROWSER).click_id


def lookups_of(public_id):
    """Run a callback after the n-th query that looks for this click id; returns the registrar."""
    hooks = {}

    def after(conn, cursor, statement, parameters, context, executemany):
        values = parameters.values() if isinstance(parameters, dict) else (parameters or ())
        if "clicks" in statement and public_id in tuple(values):
            hooks["count"] = hooks.get("count", 0) + 1
            callback = hooks.pop(hooks["count"], None)
            if callback:
                callback()

    event.listen(db.engine, "after_cursor_execute", after)
    return hooks, lambda: event.remove(db.engine, "after_cursor_execute", after)


@pytest.mark.parametrize("look", [1, 2], ids=["after-the-first-look", "between-the-second-look-and-the-wait"])
def test_a_batch_stored_and_acknowledged_between_the_lookups_looks_is_found(app, look):
    link = make_link()
    click_id = follow(link)
    # The drain process has read the click and is writing its batch when the conversion arrives.
    drain_process = drain.StreamDrain(buffer.click_redis(), consumer="drain-process")
    batch = drain_process.read(">")
    assert len(batch) == 1
    hooks, stop = lookups_of(click_id)
    # Right after that look of the lookup missed the click, the batch commits and is acknowledged.
    hooks[look] = lambda: drain_process.store(batch)
    try:
        found = drain.lookup_click(click_id)
    finally:
        stop()
    assert found is not None and found.public_id == click_id


@postgres_marks
def test_conversions_right_after_their_clicks_find_them_while_the_drain_runs(app):
    """The real race: the drain process storing batches while lookups come in at once after each click."""
    link = make_link()
    stop = threading.Event()

    def drain_in_background():
        with app.app_context():
            drain.run(stop, batch_size=50, interval=0.001)

    background = threading.Thread(target=drain_in_background, daemon=True)
    background.start()
    try:
        missed = []
        for _ in range(150):
            click_id = follow(link)
            if drain.lookup_click(click_id) is None:
                missed.append(click_id)
            db.session.rollback()
    finally:
        stop.set()
        background.join(timeout=30)
    assert missed == []
