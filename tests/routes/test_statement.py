"""The affiliate's statement: their ledger entries a window at a time, sorted, filtered, and as a CSV file."""
import csv
import io
import re
from datetime import timedelta

import pytest

from app.models.common import utcnow
from app.services.ledger import statement
from tests import factories
from tests.payout_helpers import ledger_entry as entry

PAGE = "/payouts/statement"
EXPORT = "/payouts/statement/export.csv"
HX = {"HX-Request": "true"}


def row_ids(html):
    return [int(n) for n in re.findall(r'<tr id="entry-(\d+)"', html)]


def link(html, rel):
    found = re.search(rf'href="([^"]+)"[^>]*rel="{rel}"', html)
    return found and found.group(1).replace("&amp;", "&")


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture
def affiliate(login_as):
    return login_as("affiliate")


@pytest.mark.parametrize("url", [PAGE, EXPORT])
@pytest.mark.parametrize("role", ["merchant", "admin"])
def test_other_roles_get_403(client, login_as, url, role):
    login_as(role)
    assert client.get(url).status_code == 403


def test_pages_go_older_and_back_newer(client, affiliate):
    made = [entry(affiliate, 1_000 + n, hours=n) for n in range(statement.PER_PAGE + 7)]
    first = client.get(PAGE).get_data(as_text=True)
    assert row_ids(first) == [e.id for e in made[:statement.PER_PAGE]]
    assert link(first, "prev") is None and ">Older<" in first
    second = client.get(link(first, "next"), headers=HX).get_data(as_text=True)
    assert second.lstrip().startswith('<div id="statement-table">') and "<html" not in second
    assert row_ids(second) == [e.id for e in made[statement.PER_PAGE:]]
    assert link(second, "next") is None and link(second, "first") == PAGE
    back = client.get(link(second, "prev")).get_data(as_text=True)
    assert row_ids(back) == [e.id for e in made[:statement.PER_PAGE]]


@pytest.mark.parametrize(("query", "key", "descending"), [
    ("sort=created&order=desc", "time", True), ("sort=created&order=asc", "time", False),
    ("sort=amount&order=desc", "amount", True), ("sort=amount&order=asc", "amount", False)])
def test_each_sort_either_way_across_currencies_and_pages(client, affiliate, query, key, descending):
    made = [entry(affiliate, (n * 37 % 60 - 30) * 1_000 or 7, hours=n, currency=("VND", "USD", "JPY")[n % 3])
            for n in range(60)]
    by = {"time": lambda e: (e.created_at, e.id), "amount": lambda e: (e.amount, e.id)}[key]
    expected = [e.id for e in sorted(made, key=by, reverse=descending)]
    html = client.get(f"{PAGE}?{query}").get_data(as_text=True)
    assert row_ids(html) == expected[:statement.PER_PAGE]
    following = link(html, "next")
    assert query in following
    assert row_ids(client.get(following).get_data(as_text=True)) == expected[statement.PER_PAGE:]


def test_filters_change_the_rows_and_come_back_filled(client, affiliate):
    vnd = entry(affiliate, 50_000, hours=1)
    usd = entry(affiliate, 1_250, hours=2, currency="USD")
    reversal = entry(affiliate, -20_000, hours=3, kind="reversal")
    old = entry(affiliate, 70_000, hours=24 * 40)
    assert row_ids(client.get(PAGE).get_data(as_text=True)) == [vnd.id, usd.id, reversal.id, old.id]

    html = client.get(f"{PAGE}?currency=USD").get_data(as_text=True)
    assert row_ids(html) == [usd.id] and '<option selected value="USD">' in html
    html = client.get(f"{PAGE}?kind=reversal").get_data(as_text=True)
    assert row_ids(html) == [reversal.id] and '<option selected value="reversal">' in html
    since = (utcnow() - timedelta(days=10)).date().isoformat()
    html = client.get(f"{PAGE}?currency=VND&date_from={since}").get_data(as_text=True)
    assert row_ids(html) == [vnd.id, reversal.id] and f'value="{since}"' in html
    until = (utcnow() - timedelta(days=30)).date().isoformat()
    assert row_ids(client.get(f"{PAGE}?date_to={until}").get_data(as_text=True)) == [old.id]
    export = re.search(r'href="(/payouts/statement/export.csv[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "currency=VND" in export and f"date_from={since}" in export


def test_filters_that_do_not_validate_are_ignored_with_their_error(client, affiliate):
    made = entry(affiliate, 50_000)
    for query in ("currency=EUR", "kind=bonus", "date_from=0001-01-01", "date_from=2026-05-02&date_to=2026-05-01",
                  "date_to=yesterday", "sort=memo&order=sideways", "older=amount.asc~x_1"):
        response = client.get(f"{PAGE}?{query}")
        assert response.status_code == 200, query
        html = response.get_data(as_text=True)
        assert row_ids(html) == [made.id], query
        if not query.startswith(("sort", "older")):
            assert "Some filters were ignored" in html, query


def test_another_affiliates_entries_never_appear(client, affiliate):
    other = factories.make_user("affiliate")
    mine = entry(affiliate, 10_000, order="MINE-1")
    theirs = [entry(other, 99_000, order="THEIRS-1"), entry(other, 5, currency="USD", order="THEIRS-2")]
    for query in ("", "?sort=amount", "?sort=created&order=asc", "?currency=USD", "?kind=commission"):
        html = client.get(PAGE + query).get_data(as_text=True)
        assert "THEIRS" not in html and not set(row_ids(html)) & {e.id for e in theirs}, query
    assert row_ids(client.get(PAGE).get_data(as_text=True)) == [mine.id]
    # USD is none of theirs to choose: the filter ignores it.
    assert "USD" not in client.get(PAGE).get_data(as_text=True)
    body = client.get(EXPORT).get_data(as_text=True)
    assert "MINE-1" in body and "THEIRS" not in body


def test_a_reversal_is_available_when_the_commission_it_takes_back_is(client, affiliate):
    conversion = factories.make_conversion(factories.make_click(factories.make_link(
        factories.make_campaign(), affiliate)))
    due = utcnow() + timedelta(days=30)
    commission = entry(affiliate, 10_000, hours=2, conversion_id=conversion.id, available_at=due,
                       idempotency_key=f"commission:conv:{conversion.id}")
    reversal = entry(affiliate, -10_000, hours=1, kind="reversal", conversion_id=conversion.id)
    reserve = entry(affiliate, -500, kind="payout_reserve")
    html = client.get(PAGE).get_data(as_text=True)

    def available_cell(made):
        row = html[html.index(f'id="entry-{made.id}"'):]
        return re.findall(r"<td[^>]*>(.*?)</td>", row[:row.index("</tr>")], re.S)[3]

    assert available_cell(reversal) == available_cell(commission) != available_cell(reserve) == "—"
    lines = csv_rows(client.get(EXPORT))
    assert [line[5] for line in lines[1:]] == ["", f"{due:%Y-%m-%dT%H:%M:%SZ}", f"{due:%Y-%m-%dT%H:%M:%SZ}"]


def test_the_export_follows_the_filters_in_the_readers_language(client, login_as):
    affiliate = login_as(factories.make_user("affiliate", locale="vi"))
    entry(affiliate, 50_000, hours=1, order="A-1")
    entry(affiliate, 1_250, hours=2, currency="USD", order="B-2")
    entry(affiliate, -20_000, hours=3, kind="reversal", order="C-3")
    entry(affiliate, -3, hours=4, kind="payout_reserve", currency="USD", order="D-4")
    response = client.get(EXPORT)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="statement-')
    lines = csv_rows(response)
    assert lines[0][:3] == ["Thời gian (UTC)", "Loại tiền", "Số tiền (đơn vị nhỏ nhất)"]
    # Currency by currency (as the app lists them: VND first), newest first in each.
    assert [line[1:3] for line in lines[1:]] == [["VND", "50000"], ["VND", "-20000"], ["USD", "1250"], ["USD", "-3"]]
    assert "A-1" in lines[1][4] and lines[4][5] == ""

    lines = csv_rows(client.get(f"{EXPORT}?currency=USD&kind=payout_reserve"))
    assert [line[1:3] for line in lines[1:]] == [["USD", "-3"]]
    lines = csv_rows(client.get(f"{EXPORT}?kind=reversal"))
    assert [line[2] for line in lines[1:]] == ["-20000"]


def test_the_balance_page_links_to_the_statement(client, affiliate):
    entry(affiliate, 10_000)
    html = client.get("/payouts/balance").get_data(as_text=True)
    assert f'href="{PAGE}"' in html
