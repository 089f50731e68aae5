"""Sorting the lists read by keyset (conversions, clicks, the audit log): headings, pages and stray cursors."""
import re
from datetime import timedelta

import pytest

from app.models.common import utcnow
from tests import factories
from tests.audit_helpers import event
from tests.review_helpers import HX, sale, shop

LIST = "/conversions/"


def row_ids(html, prefix):
    return [int(n) for n in re.findall(rf'<tr id="{prefix}-(\d+)"', html)]


def link(html, rel):
    found = re.search(rf'href="([^"]+)"[^>]*rel="{rel}"', html)
    return found and found.group(1).replace("&amp;", "&")


@pytest.fixture
def sales(client, login_as):
    """26 pending conversions of different amounts over a merchant's two campaigns, the newest the smallest."""
    merchant = login_as("merchant")
    links = [shop(merchant)[2], shop(merchant)[2]]
    return [sale(links[n % 2], amount=10_000 * (n * 7 % 26 + 1), created_at=utcnow() - timedelta(hours=n + 1))
            for n in range(26)]


def test_reviewers_list_sorts_by_amount_both_ways_and_pages_keep_the_sort(client, sales):
    by_amount = [c.id for c in sorted(sales, key=lambda c: (c.amount, c.id))]
    html = client.get(f"{LIST}?status=pending&sort=amount&order=asc").get_data(as_text=True)
    assert row_ids(html, "conversion") == by_amount[:25]
    flip = r'aria-sort="ascending">\s*<a href="/conversions/\?status=pending&amp;sort=amount&amp;order=desc"'
    assert re.search(flip, html)
    assert 'aria-sort="none">' in html and ">First<" not in html and ">Next<" in html
    following = link(html, "next")
    assert following.startswith(f"{LIST}?status=pending&sort=amount&order=asc&older=amount.asc~")
    second = client.get(following, headers=HX).get_data(as_text=True)
    assert row_ids(second, "conversion") == by_amount[25:] and ">First<" in second and ">Previous<" in second
    assert link(second, "first") == f"{LIST}?status=pending&sort=amount&order=asc"
    back = client.get(link(second, "prev")).get_data(as_text=True)
    assert row_ids(back, "conversion") == by_amount[:25]
    largest = client.get(f"{LIST}?sort=amount").get_data(as_text=True)
    assert row_ids(largest, "conversion") == list(reversed(by_amount))[:25]


def test_commission_and_oldest_first_sort_the_same_list(client, sales):
    by_commission = [c.id for c in sorted(sales, key=lambda c: (c.commission, c.id), reverse=True)]
    assert row_ids(client.get(f"{LIST}?sort=commission").get_data(as_text=True), "conversion") == by_commission[:25]
    oldest = client.get(f"{LIST}?sort=created&order=asc").get_data(as_text=True)
    assert row_ids(oldest, "conversion") == [c.id for c in reversed(sales)][:25]


def test_a_cursor_of_another_sort_or_a_bad_sort_shows_the_first_window(client, sales):
    newest = client.get(LIST).get_data(as_text=True)
    older = link(newest, "next")
    assert ">Older<" in newest and "sort=" not in older
    token = older.split("older=", 1)[1]
    response = client.get(f"{LIST}?sort=amount&order=asc&older={token}&newer={token}")
    assert response.status_code == 200
    assert row_ids(response.get_data(as_text=True), "conversion")[0] == min(sales, key=lambda c: (c.amount, c.id)).id
    for junk in ("sort=ip", "sort=amount&order=up", "sort=&order=", "sort=amount&older=amount.desc~x_1",
                 "sort=amount&older=amount.desc~" + "9" * 30 + "_1", "sort=created&order=asc&older=" + token):
        response = client.get(f"{LIST}?{junk}")
        assert response.status_code == 200, junk
        assert len(row_ids(response.get_data(as_text=True), "conversion")) == 25, junk
    fallback = client.get(f"{LIST}?sort=ip&order=asc").get_data(as_text=True)
    assert row_ids(fallback, "conversion") == row_ids(newest, "conversion")


def test_affiliates_sort_their_own_conversions(client, login_as):
    _, affiliate, own = shop()
    made = [sale(own, amount=amount) for amount in (30_000, 10_000, 20_000)]
    login_as(affiliate)
    html = client.get("/conversions/mine?sort=amount&order=asc").get_data(as_text=True)
    assert row_ids(html, "my-conversion") == [made[1].id, made[2].id, made[0].id]
    assert 'href="/conversions/mine?sort=commission&amp;order=desc"' in html


def test_clicks_sort_by_time_only(client, login_as):
    _, affiliate, own = shop()
    clicks = [factories.make_click(own, created_at=utcnow() - timedelta(minutes=n)) for n in range(3)]
    login_as(affiliate)
    html = client.get("/conversions/clicks?sort=created&order=asc").get_data(as_text=True)
    assert row_ids(html, "click") == [c.id for c in reversed(clicks)]
    assert 'href="/conversions/clicks?sort=created&amp;order=desc"' in html
    assert html.count("aria-sort=") == 1  # no other heading sorts: no index could serve it
    ignored = client.get("/conversions/clicks?sort=ip&order=asc").get_data(as_text=True)
    assert row_ids(ignored, "click") == [c.id for c in clicks]


def test_reviewers_clicks_and_the_audit_log_read_oldest_first(client, login_as):
    merchant = login_as("merchant")
    _, _, own = shop(merchant)
    clicks = [factories.make_click(own, created_at=utcnow() - timedelta(minutes=n)) for n in range(3)]
    html = client.get("/conversions/campaign-clicks?order=asc&sort=created").get_data(as_text=True)
    assert row_ids(html, "click") == [c.id for c in reversed(clicks)]
    login_as("admin")
    start = utcnow() - timedelta(days=1)
    for n in range(3):
        event(object_id=n, at=start + timedelta(minutes=n))
    log = client.get("/admin/audit?action=campaign.updated&sort=created&order=asc").get_data(as_text=True)
    assert log.index("Campaign #0") < log.index("Campaign #2")
    assert 'href="/admin/audit?action=campaign.updated&amp;sort=created&amp;order=desc"' in log


def test_past_the_last_row_the_empty_message_speaks_of_age_only_under_newest_first(client, sales):
    by_amount = client.get(f"{LIST}?sort=amount&order=asc&older=amount.asc~999999999_1").get_data(as_text=True)
    assert "No more conversions match these filters." in by_amount and "No older conversions" not in by_amount
    by_commission = client.get(f"{LIST}?sort=commission&older=commission.desc~0_1").get_data(as_text=True)
    assert "No more conversions match these filters." in by_commission
    oldest_first = client.get(f"{LIST}?sort=created&order=asc&older=created_at.asc~29990101T000000.000000_1")
    assert "No more conversions match these filters." in oldest_first.get_data(as_text=True)
    newest_first = client.get(f"{LIST}?older=20010101T000000.000000_1").get_data(as_text=True)
    assert "No older conversions match these filters." in newest_first
