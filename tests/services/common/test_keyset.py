"""Keyset windows: every row once, in order, whichever way the list is walked, split by owner or not."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.models.common import utcnow
from app.models.conversions import Conversion
from app.models.tracking import Click
from app.services.common import keyset
from app.services.common.keyset import Cursor, window
from tests import factories

START = datetime(2026, 3, 1, 12, 0)


def ids(rows):
    return [row.id for row in rows]


@pytest.fixture
def clicks(app):
    """Clicks on three links of two campaigns, newest first; several share a time, so the id breaks ties."""
    first = factories.make_link()
    links = [first, factories.make_link(first.campaign), factories.make_link()]
    made = [factories.make_click(links[n % 3], created_at=START - timedelta(minutes=n // 4)) for n in range(23)]
    return sorted(made, key=lambda c: (c.created_at, c.id), reverse=True), links


def walk_older(query, per_page, split=None):
    seen, cursor = [], None
    while True:
        page = window(Click, query, cursor, per_page, split=split)
        seen.append(page)
        if page.older is None:
            return seen
        cursor = Cursor.parse(page.older)


@pytest.mark.parametrize("split", [False, True])
def test_walking_older_then_newer_visits_every_row_once_in_order(clicks, split):
    made, links = clicks
    owners = (Click.link_id, [link.id for link in links]) if split else None
    pages = walk_older(select(Click), 5, owners)
    assert [ids(p.items) for p in pages] == [ids(made[i:i + 5]) for i in range(0, 23, 5)]
    assert pages[0].is_first and pages[0].newer is None and not any(p.is_first for p in pages[1:])
    assert all(p.count == 23 and not p.capped for p in pages)
    # Back up from the last window: the same windows in reverse, the top one knowing it is the top.
    page, back = pages[-1], []
    while page.newer:
        page = window(Click, select(Click), Cursor.parse(page.newer, newer=True), 5, split=owners)
        back.append(ids(page.items))
    assert back == [ids(made[i:i + 5]) for i in (15, 10, 5, 0)]
    assert page.is_first


def test_split_reads_only_the_owners_given(clicks):
    made, links = clicks
    own = [c for c in made if c.link_id in (links[0].id, links[1].id)]
    page = window(Click, select(Click), None, 50, split=(Click.link_id, [links[0].id, links[1].id]))
    assert ids(page.items) == ids(own) and page.count == len(own)
    empty = window(Click, select(Click), None, 50, split=(Click.link_id, []))
    assert empty.items == [] and empty.count == 0


def test_count_stops_at_the_cap(clicks, monkeypatch):
    monkeypatch.setattr(keyset, "COUNT_CAP", 10)
    page = window(Click, select(Click), None, 5)
    assert (page.count, page.capped) == (10, True)
    assert keyset.capped_count(select(Click).where(Click.id < 0)) == (0, False)


def test_cursor_tokens_round_trip_and_junk_is_refused():
    cursor = Cursor(datetime(2026, 3, 1, 12, 0, 5, 123), 42)
    assert Cursor.parse(cursor.token) == cursor
    assert Cursor.parse(cursor.token, newer=True).newer
    for junk in (None, "", "42", "x_1", "20260301T120005.000123_", "20260301T120005.000123_-1",
                 "20260301T120005.000123_1" + "0" * 20, "20261301T120005.000123_1", "20260301T120005.000123_١"):
        assert Cursor.parse(junk) is None
    assert keyset.cursor_args(None, cursor.token).newer
    assert keyset.cursor_args(cursor.token, cursor.token) == cursor


def test_an_id_beyond_the_column_names_no_row_and_is_no_error(clicks):
    made, _links = clicks
    far = Cursor(made[0].created_at + timedelta(seconds=1), 2**63 - 1)
    assert ids(window(Click, select(Click), far, 50).items) == ids(made)
    conversion = factories.make_conversion(made[0], created_at=made[0].created_at)
    assert ids(window(Conversion, select(Conversion), far, 5).items) == [conversion.id]
    assert Cursor.parse(f"{far.token[:-1]}8") is None  # one past the largest 64-bit id


@pytest.fixture
def months_apart(app):
    """Clicks of two links in bunches weeks and months apart, the newest bunch a moment ago."""
    links = [factories.make_link()]
    links.append(factories.make_link(links[0].campaign))
    now = utcnow()
    ages = [timedelta(minutes=n) for n in range(3)] + [timedelta(days=40, minutes=n) for n in range(6)] + \
        [timedelta(days=75)] * 2 + [timedelta(days=200, hours=n) for n in range(5)]
    made = [factories.make_click(links[n % 2], created_at=now - age) for n, age in enumerate(ages)]
    return sorted(made, key=lambda c: (c.created_at, c.id), reverse=True), links


@pytest.mark.parametrize("per_page", [2, 4, 7])
def test_a_split_list_read_by_time_is_whole_across_gaps_longer_than_the_month_it_tries_first(months_apart,
                                                                                           per_page):
    made, links = months_apart
    owners = (Click.link_id, [link.id for link in links])
    pages = walk_older(select(Click), per_page, owners)
    assert [ids(p.items) for p in pages] == [ids(made[i:i + per_page]) for i in range(0, len(made), per_page)]
    page, back = pages[-1], []
    while page.newer:
        page = window(Click, select(Click), Cursor.parse(page.newer, newer=True), per_page, split=owners)
        back.append(ids(page.items))
    assert back == [ids(p.items) for p in reversed(pages[:-1])]
