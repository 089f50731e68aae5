"""Keyset windows in other orders than newest first: every row once, both ways, and cursors kept to their order."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.models.conversions import Conversion
from app.models.tracking import Click
from app.services.common.keyset import NEWEST, Cursor, Order, cursor_args, window
from app.services.common.sorting import Sort, read_sort
from tests import factories

START = datetime(2026, 3, 1, 12, 0)
ORDERS = [Order("amount", True), Order("amount", False), Order("commission", True), Order("created_at", False)]


@pytest.fixture
def conversions(app):
    """Conversions on three campaigns; several share an amount or a time, so the id breaks ties."""
    links = [factories.make_link() for _ in range(3)]
    clicks = [factories.make_click(links[n % 3]) for n in range(17)]
    return [factories.make_conversion(click, amount=1000 * (n % 5), created_at=START - timedelta(minutes=n // 3))
            for n, click in enumerate(clicks)], links


def in_order(rows, order: Order):
    return [row.id for row in sorted(rows, key=lambda row: (getattr(row, order.column), row.id),
                                     reverse=order.descending)]


def walk(order: Order, split, per_page=4):
    """Every window down the list, then every window back up from the last: the ids of each."""
    down, cursor = [], None
    while True:
        page = window(Conversion, select(Conversion), cursor, per_page, order=order, split=split)
        down.append([row.id for row in page.items])
        if page.older is None:
            break
        cursor = Cursor.parse(page.older, order=order)
    up = []
    while page.newer:
        page = window(Conversion, select(Conversion), Cursor.parse(page.newer, newer=True, order=order), per_page,
                      order=order, split=split)
        up.append([row.id for row in page.items])
    return down, up, page


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("order", ORDERS, ids=lambda order: order.tag)
def test_every_order_walks_every_row_once_each_way(conversions, order, split):
    made, links = conversions
    owners = (Conversion.campaign_id, [link.campaign_id for link in links]) if split else None
    expected = in_order(made, order)
    down, up, top = walk(order, owners)
    assert sum(down, []) == expected
    assert down == [expected[i:i + 4] for i in range(0, len(expected), 4)]
    assert up == list(reversed(down[:-1])) and top.is_first


def test_a_cursor_of_another_order_reads_the_first_window(conversions):
    made, _links = conversions
    by_amount = Order("amount", True)
    first = window(Conversion, select(Conversion), None, 4, order=by_amount)
    newest_cursor = window(Conversion, select(Conversion), None, 4).older
    # Parsed for the amount order, a newest-first token is no cursor at all; handed over anyway, it is ignored.
    assert Cursor.parse(newest_cursor, order=by_amount) is None
    stray = window(Conversion, select(Conversion), Cursor.parse(newest_cursor), 4, order=by_amount)
    assert [c.id for c in stray.items] == [c.id for c in first.items] and stray.is_first
    assert Cursor.parse(first.older, order=Order("amount", False)) is None
    assert Cursor.parse(first.older, order=Order("commission", True)) is None
    assert cursor_args(first.older, None, by_amount).order == by_amount


def test_cursor_tokens_of_an_order_round_trip_and_junk_is_refused():
    by_amount = Order("amount", False)
    cursor = Cursor(1_250_000, 42, order=by_amount)
    assert Cursor.parse(cursor.token, order=by_amount) == cursor
    oldest = Cursor(START, 7, order=Order("created_at", False))
    assert Cursor.parse(oldest.token, order=oldest.order) == oldest
    assert Cursor.parse(oldest.token) is None and Cursor(START, 7).token == "20260301T120000.000000_7"
    # Amounts may be negative (ledger entries that take money back).
    negative = Cursor(-5, 1, order=by_amount)
    assert Cursor.parse(negative.token, order=by_amount) == negative
    for junk in ("amount.asc~_1", "amount.asc~x_1", "amount.asc~--5_1", "amount.asc~5_",
                 "amount.asc~1" + "0" * 20 + "_1", "amount.asc~5_1" + "0" * 20, "amount.asc~٥_1",
                 "~5_1", "amount.desc~5_1", "5_1"):
        assert Cursor.parse(junk, order=by_amount) is None, junk


def test_the_newest_first_order_needs_no_tag():
    assert NEWEST == Order() and NEWEST.newest_first and NEWEST.tag == ""
    assert not Order("created_at", False).newest_first


def test_an_amount_beyond_any_row_reads_from_the_top(conversions):
    made, _links = conversions
    order = Order("amount", True)
    far = Cursor(2**63 - 1, 2**63 - 1, order=order)
    assert [c.id for c in window(Conversion, select(Conversion), far, 50, order=order).items] == in_order(made, order)


def test_clicks_walk_oldest_first(app):
    link = factories.make_link()
    made = [factories.make_click(link, created_at=START + timedelta(minutes=n // 2)) for n in range(7)]
    order = Order("created_at", False)
    page = window(Click, select(Click), None, 3, order=order, split=(Click.link_id, [link.id]))
    assert [c.id for c in page.items] == [c.id for c in sorted(made, key=lambda c: (c.created_at, c.id))][:3]


@pytest.mark.parametrize(("args", "expected"), [
    ({}, Sort("created", True)),
    ({"sort": "amount"}, Sort("amount", True)),
    ({"sort": "amount", "order": "asc"}, Sort("amount", False)),
    ({"sort": "created", "order": "asc"}, Sort("created", False)),
    ({"sort": "amount", "order": "sideways"}, Sort("amount", True)),
    ({"sort": "ip", "order": "asc"}, Sort("created", True)),
    ({"sort": "", "order": ""}, Sort("created", True)),
])
def test_a_sort_outside_the_list_falls_back_to_its_default(args, expected):
    assert read_sort(args, ("created", "amount"), "created") == expected
