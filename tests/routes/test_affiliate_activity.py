"""The affiliate's own conversions and clicks, and the clicks view of a merchant's campaigns."""
import csv
import io
import re
from datetime import datetime, timedelta

import pytest

from app.models.common import utcnow
from app.services.conversions.flags import FLOOD_CLICKS
from tests import factories
from tests.review_helpers import HX, sale, shop

MINE, CLICKS, CAMPAIGN_CLICKS = "/conversions/mine", "/conversions/clicks", "/conversions/campaign-clicks"
CUSTOMER_EMAIL, CUSTOMER_IP, CLICK_IP = "buyer@example.com", "203.0.113.77", "198.51.100.7"


@pytest.fixture
def affiliate_setup(app, login_as):
    campaign, affiliate, link = shop(name="Tea club")
    login_as(affiliate)
    rejected = sale(link, order_id="R-1", status="rejected", reject_reason="Order was cancelled",
                    customer_email=CUSTOMER_EMAIL, ip=CUSTOMER_IP, amount=500_000)
    approved = sale(link, order_id="OK-1", status="approved", customer_email=CUSTOMER_EMAIL, ip=CUSTOMER_IP)
    return campaign, affiliate, link, rejected, approved


def test_mine_shows_own_rows_with_the_rejection_reason(client, affiliate_setup):
    campaign, affiliate, link, rejected, approved = affiliate_setup
    stranger = factories.make_link(campaign, factories.make_membership(campaign).affiliate)
    sale(stranger, order_id="THEIRS-1")
    response = client.get(MINE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert f'id="my-conversion-{rejected.id}"' in html and f'id="my-conversion-{approved.id}"' in html
    assert "Order was cancelled" in html and "Tea club" in html
    assert "₫50,000" in html and 'class="badge badge-rejected"' in html and 'class="badge badge-approved"' in html
    assert "THEIRS-1" not in html


def test_mine_never_shows_customer_emails_or_addresses(client, affiliate_setup):
    html = client.get(MINE).get_data(as_text=True) + client.get(CLICKS).get_data(as_text=True)
    assert CUSTOMER_EMAIL not in html and CUSTOMER_IP not in html and CLICK_IP not in html
    assert "Mozilla" not in html


@pytest.mark.parametrize("query, expected", [
    ("status=rejected", {"R-1"}),
    ("status=approved", {"OK-1"}),
    ("campaign={other}", {"X-1"}),
    ("date_from=2025-03-10&date_to=2025-03-10", {"D-1"}),
])
def test_mine_filters(client, affiliate_setup, query, expected):
    campaign, affiliate, link, rejected, approved = affiliate_setup
    other, _, other_link = shop(affiliate=affiliate)
    sale(other_link, order_id="X-1", created_at=utcnow() - timedelta(days=1))
    sale(link, order_id="D-1", created_at=datetime(2025, 3, 10, 3, 0))
    html = client.get(f"{MINE}?{query.format(other=other.id)}", headers=HX).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="mine-table"')
    assert {o for o in ("R-1", "OK-1", "X-1", "D-1") if f"<td>{o}</td>" in html} == expected


def test_mine_ignores_another_affiliates_campaign_filter(client, affiliate_setup):
    foreign_campaign = shop()[0]
    html = client.get(f"{MINE}?campaign={foreign_campaign.id}").get_data(as_text=True)
    assert "Some filters were ignored" in html or 'id="campaign-error"' in html
    assert "R-1" in html


@pytest.mark.parametrize("role", ["merchant", "admin"])
def test_reviewers_get_403_on_affiliate_pages(client, login_as, role):
    login_as(role)
    assert client.get(MINE).status_code == 403
    assert client.get(CLICKS).status_code == 403


def test_clicks_lists_own_clicks_with_their_signals(client, app, login_as):
    campaign, affiliate, link = shop(name="Tea club")
    labelled = factories.make_link(campaign, affiliate, label="Spring post")
    login_as(affiliate)
    now = utcnow()
    factories.make_click(link, ip="203.0.113.9", sub1="newsletter", sub2="may", created_at=now)
    factories.make_click(labelled, ip="203.0.113.10", user_agent="Googlebot/2.1", is_unique=False,
                         is_attributable=False, created_at=now - timedelta(minutes=1))
    foreign = factories.make_click(shop()[2], created_at=now)
    response = client.get(CLICKS)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert html.count('<tr id="click-') == 2 and f'id="click-{foreign.id}"' not in html
    assert "sub1=newsletter" in html and "sub2=may" in html and link.code in html and "Spring post" in html
    assert "Bot user agent" in html and "<td>No</td>" in html
    assert "203.0.113.9" not in html and "Googlebot" not in html


def test_clicks_are_read_newer_and_older_without_page_numbers(client, login_as):
    _, affiliate, link = shop()
    login_as(affiliate)
    clicks = [factories.make_click(link, created_at=utcnow() - timedelta(minutes=n)) for n in range(26)]
    html = client.get(CLICKS).get_data(as_text=True)
    assert html.count('<tr id="click-') == 25 and "26 clicks" in html and "Page 1" not in html
    older = re.search(r'href="(/conversions/clicks\?older=[^"]+)"', html).group(1).replace("&amp;", "&")
    partial = client.get(older, headers=HX).get_data(as_text=True)
    assert partial.lstrip().startswith('<div id="clicks-table"') and partial.count('<tr id="click-') == 1
    assert f'id="click-{clicks[-1].id}"' in partial and 'rel="next"' not in partial
    newer = re.search(r'href="(/conversions/clicks\?newer=[^"]+)"', partial).group(1).replace("&amp;", "&")
    back = client.get(newer).get_data(as_text=True)
    assert back.count('<tr id="click-') == 25 and f'id="click-{clicks[0].id}"' in back and 'rel="prev"' not in back


def test_a_cursor_that_is_not_one_shows_the_newest_clicks(client, login_as):
    _, affiliate, link = shop()
    login_as(affiliate)
    click = factories.make_click(link)
    for junk in ("x", "20260101T000000.000000_", "2026_1", "99999999T999999.999999_1", "1_" + "9" * 30):
        response = client.get(f"{CLICKS}?older={junk}&newer={junk}")
        assert response.status_code == 200 and f'id="click-{click.id}"' in response.get_data(as_text=True)


def test_affiliate_sees_a_click_flood_without_the_address(client, login_as):
    _, affiliate, link = shop()
    login_as(affiliate)
    for n in range(FLOOD_CLICKS):
        factories.make_click(link, ip="203.0.113.99", created_at=utcnow() - timedelta(minutes=n))
    html = client.get(CLICKS).get_data(as_text=True)
    assert "Many clicks from one IP" in html and "203.0.113.99" not in html


def test_merchant_sees_clicks_on_own_campaigns_with_addresses(client, login_as):
    merchant = login_as("merchant")
    campaign, affiliate, link = shop(merchant)
    for n in range(FLOOD_CLICKS):
        factories.make_click(link, ip="203.0.113.99", created_at=utcnow() - timedelta(minutes=n))
    foreign = factories.make_click(shop()[2], ip="192.0.2.200")
    html = client.get(CAMPAIGN_CLICKS).get_data(as_text=True)
    assert "203.0.113.99" in html and "Many clicks from one IP" in html and affiliate.name in html
    assert f'id="click-{foreign.id}"' not in html and "192.0.2.200" not in html
    partial = client.get(f"{CAMPAIGN_CLICKS}?campaign={campaign.id}", headers=HX).get_data(as_text=True)
    assert partial.lstrip().startswith('<div id="clicks-table"') and "203.0.113.99" in partial


def csv_rows(response):
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_clicks_csv_of_an_affiliate_has_no_visitor_details(client, login_as):
    campaign, affiliate, link = shop(name="Tea club")
    other_campaign, _, _ = shop(affiliate=affiliate)
    login_as(affiliate)
    factories.make_click(link, ip="203.0.113.77", sub1="=cmd", user_agent="Mozilla/5.0 Firefox/140.0")
    factories.make_click(factories.make_link(other_campaign, affiliate))
    factories.make_click(shop()[2])  # someone else's
    rows = csv_rows(client.get(f"{CLICKS}/export.csv"))
    assert rows[0][:3] == ["time_utc", "campaign", "link"] and "ip" not in rows[0] and len(rows) == 3
    rows = csv_rows(client.get(f"{CLICKS}/export.csv?campaign={campaign.id}"))
    assert len(rows) == 2 and rows[1][1:4] == ["Tea club", link.code, "'=cmd"] and rows[1][-2:] == ["yes", "yes"]
    assert "203.0.113.77" not in str(rows) and "Firefox" not in str(rows)


def test_clicks_csv_of_a_reviewer_keeps_to_their_campaigns(client, login_as):
    merchant = login_as("merchant")
    campaign, affiliate, link = shop(merchant)
    for minute in range(3):
        factories.make_click(link, ip="203.0.113.99", created_at=utcnow() - timedelta(minutes=minute))
    factories.make_click(shop()[2], ip="192.0.2.200")
    html = client.get(CAMPAIGN_CLICKS).get_data(as_text=True)
    assert 'href="/conversions/campaign-clicks/export.csv"' in html
    rows = csv_rows(client.get(f"{CAMPAIGN_CLICKS}/export.csv"))
    assert len(rows) == 4 and rows[0][-4:] == ["affiliate_email", "ip", "user_agent", "referrer"]
    assert {row[-4] for row in rows[1:]} == {affiliate.email} and "192.0.2.200" not in str(rows)
    assert rows[1][0] > rows[3][0]  # newest first
    login_as(affiliate)
    assert client.get(f"{CAMPAIGN_CLICKS}/export.csv").status_code == 403


def test_the_clicks_list_counts_an_address_up_to_its_cap(client, login_as, monkeypatch):
    from app.services.conversions import click_lists

    monkeypatch.setattr(click_lists, "IP_COUNT_CAP", 3)
    merchant = login_as("merchant")
    _, _, link = shop(merchant)
    newest = [factories.make_click(link, ip="203.0.113.98", created_at=utcnow() - timedelta(minutes=n))
              for n in range(5)]
    html = client.get(CAMPAIGN_CLICKS).get_data(as_text=True)
    row = re.search(rf'<tr id="click-{newest[0].id}".*?</tr>', html, re.S).group(0)
    oldest = re.search(rf'<tr id="click-{newest[-1].id}".*?</tr>', html, re.S).group(0)
    assert '<td class="num">3+</td>' in row and '<td class="num">1</td>' in oldest
