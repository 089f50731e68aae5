"""The reviewer's conversion list, inline and bulk decisions, refunds and the detail page."""
import csv
import io
import re
from datetime import datetime

import pytest

from app.extensions import db
from app.models.conversions import Conversion, Refund
from app.models.money import LedgerEntry
from app.models.users import User
from app.services.conversions import states
from tests import factories
from tests.review_helpers import HX, sale, shop
from tests.routes.csrf import post_form

LIST = "/conversions/"


def post(client, url, data=None, **kwargs):
    return post_form(client, url, data, token_url=LIST, **kwargs)


def fresh(conversion_id):
    db.session.expire_all()
    return db.session.get(Conversion, conversion_id)


@pytest.fixture
def setup(app, login_as):
    """A signed-in merchant with one campaign, an affiliate and a pending conversion."""
    merchant = login_as("merchant")
    campaign, affiliate, link = shop(merchant, name="Tea club")
    conversion = sale(link, amount=1_250_000, order_id="A-100", customer_email="buyer@example.com",
                      ip="203.0.113.77", fraud_flags=["fast_conversion"])
    return merchant, campaign, affiliate, link, conversion


def test_list_shows_the_reviewers_conversions(client, setup):
    merchant, campaign, affiliate, link, conversion = setup
    other = sale(shop(name="Other shop")[2], order_id="B-200")
    response = client.get(LIST)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert f'id="conversion-{conversion.id}"' in html and "A-100" in html and "Tea club" in html
    assert affiliate.name in html
    assert "1,250,000" in html and "125,000" in html  # amount and commission through the money filter
    assert "Very fast conversion" in html and 'class="badge badge-pending"' in html and "API" in html
    assert f'id="conversion-{other.id}"' not in html and "B-200" not in html


def test_affiliates_get_403_on_review_pages(client, login_as):
    conversion = factories.make_conversion()
    login_as(db.session.get(User, conversion.affiliate_id))  # even their own conversion
    for url in (LIST, f"/conversions/{conversion.id}", "/conversions/campaign-clicks"):
        assert client.get(url).status_code == 403
    for url, data in ((f"/conversions/{conversion.id}/approve", {}), (f"/conversions/{conversion.id}/reject",
                      {"reason": "x"}), ("/conversions/bulk", {"ids": [conversion.id], "decision": "approve"}),
                      (f"/conversions/{conversion.id}/refund", {"amount": "1000"})):
        assert post_form(client, url, data, token_url="/dashboard").status_code == 403
    assert fresh(conversion.id).status == "pending"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(LIST).headers["Location"].startswith("/auth/sign-in")


@pytest.mark.parametrize("query, expected", [
    ("status=approved", {"A-2"}),
    ("status=pending", {"A-1", "B-1"}),
    ("source=pixel", {"A-1"}),
    ("campaign={campaign2}", {"B-1"}),
    ("affiliate={affiliate}", {"A-1", "A-2"}),
    ("affiliate={email}", {"A-1", "A-2"}),
    ("date_from=2025-03-10&date_to=2025-03-10", {"A-1"}),
    ("date_from=2025-03-11", {"A-2", "B-1"}),
    ("date_to=2025-03-09", set()),
])
def test_each_filter(client, login_as, query, expected):
    merchant = login_as("merchant")
    campaign, affiliate, link = shop(merchant)
    campaign2, _, link2 = shop(merchant)
    # Display zone UTC+7: 2025-03-09 17:00 UTC is the first second of 10 March.
    sale(link, order_id="A-1", source="pixel", created_at=datetime(2025, 3, 9, 17, 0))
    sale(link, order_id="A-2", status="approved", created_at=datetime(2025, 3, 10, 17, 0))
    sale(link2, order_id="B-1", created_at=datetime(2025, 3, 11, 9, 0))
    url = LIST + "?" + query.format(campaign2=campaign2.id, affiliate=affiliate.id, email=affiliate.email)
    html = client.get(url, headers=HX).get_data(as_text=True)
    assert {order for order in ("A-1", "A-2", "B-1") if f">{order}</a>" in html} == expected


@pytest.mark.parametrize("query", ["date_from=2025-13-40", "campaign=abc", "affiliate=999999",
                                   "affiliate=nobody@example.com", "status=lost",
                                   "date_from=2025-03-12&date_to=2025-03-10", "page=abc", "page=-4",
                                   "older=abc", "newer=2025"])
def test_bad_filter_input_is_ignored_with_a_message(client, setup, query):
    *_, conversion = setup
    response = client.get(f"{LIST}?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "A-100" in html
    if not query.startswith(("page", "older", "newer")):
        assert "Some filters were ignored" in html or 'class="error"' in html


def test_empty_list_says_whether_filters_hide_rows(client, login_as):
    login_as("merchant")
    assert "No conversions yet." in client.get(f"{LIST}?status=&campaign=&page=1").get_data(as_text=True)
    assert "No conversions match these filters." in client.get(f"{LIST}?status=approved").get_data(as_text=True)


def test_date_order_error_is_shown_beside_the_field(client, setup):
    html = client.get(f"{LIST}?date_from=2025-03-12&date_to=2025-03-10").get_data(as_text=True)
    assert 'id="date_to-error"' in html and "The end date is before the start date." in html


def test_partial_for_htmx_and_page_for_boosted_navigation(client, setup):
    partial = client.get(f"{LIST}?status=pending", headers=HX)
    html = partial.get_data(as_text=True)
    assert "HX-Request" in partial.headers["Vary"]
    assert "<html" not in html and html.lstrip().startswith('<div id="conversion-table"')
    boosted = client.get(LIST, headers={**HX, "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<html" in boosted and 'hx-push-url="true"' in boosted


def test_pages_of_25_keep_the_filters(client, login_as):
    merchant = login_as("merchant")
    _, _, link = shop(merchant)
    for n in range(26):
        sale(link, order_id=f"P-{n}")
    html = client.get(f"{LIST}?status=pending").get_data(as_text=True)
    assert html.count('<tr id="conversion-') == 25 and "26 conversions" in html
    older = re.search(r'href="(/conversions/\?status=pending&amp;older=[^"]+)"', html).group(1).replace("&amp;", "&")
    second = client.get(older, headers=HX).get_data(as_text=True)
    assert second.count('<tr id="conversion-') == 1 and 'rel="next"' not in second
    assert 'href="/conversions/?status=pending"' in second  # back to the newest, filters kept
    # A bulk decision from the second window comes back to it.
    assert f'action="/conversions/bulk?{older.split("?", 1)[1].replace("&", "&amp;")}"' in second


def test_inline_approve_rerenders_the_row(client, setup):
    merchant, *_, conversion = setup
    response = post(client, f"/conversions/{conversion.id}/approve", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "conversionsChanged"
    assert html.lstrip().startswith(f'<tr id="conversion-{conversion.id}" data-status="approved"')
    assert "Approved." in html and 'class="badge badge-approved"' in html
    assert fresh(conversion.id).status == "approved"
    assert db.session.scalar(db.select(LedgerEntry.amount).where(LedgerEntry.conversion_id == conversion.id)) == 125_000


def test_inline_reject_needs_a_reason(client, setup):
    *_, conversion = setup
    response = post(client, f"/conversions/{conversion.id}/reject", {"reason": "   "}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="reject-reason-{conversion.id}-error"' in html and "Give a reason for rejecting." in html
    assert "<details class=\"reject\" open>" in html
    assert fresh(conversion.id).status == "pending"


def test_inline_reject_with_a_reason(client, setup):
    *_, conversion = setup
    html = post(client, f"/conversions/{conversion.id}/reject", {"reason": "Test order"}, headers=HX).get_data(
        as_text=True)
    assert 'data-status="rejected"' in html and "Test order" in html and "Rejected." in html
    assert (fresh(conversion.id).status, fresh(conversion.id).reject_reason) == ("rejected", "Test order")


def test_a_second_decision_shows_an_error_in_the_row(client, setup):
    merchant, *_, conversion = setup
    states.reject(conversion.id, factories.make_user("admin").id, "duplicate")
    response = post(client, f"/conversions/{conversion.id}/approve", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Not changed: this conversion is already rejected." in html and 'data-status="rejected"' in html
    response = post(client, f"/conversions/{conversion.id}/reject", {"reason": "again"}, headers=HX)
    assert response.status_code == 200 and "already rejected" in response.get_data(as_text=True)
    assert fresh(conversion.id).reject_reason == "duplicate"


def test_without_htmx_a_decision_flashes_and_redirects(client, setup):
    *_, conversion = setup
    response = post(client, f"/conversions/{conversion.id}/approve", {"next": f"/conversions/{conversion.id}"})
    assert response.status_code == 302 and response.headers["Location"] == f"/conversions/{conversion.id}"
    assert "Approved." in client.get(response.headers["Location"]).get_data(as_text=True)
    response = post(client, f"/conversions/{conversion.id}/approve", {"next": "https://evil.example/"})
    assert response.headers["Location"] == LIST


def test_other_merchants_conversions_are_404(client, setup, login_as):
    *_, conversion = setup
    login_as("merchant")
    assert client.get(f"/conversions/{conversion.id}").status_code == 404
    assert post(client, f"/conversions/{conversion.id}/approve", headers=HX).status_code == 404
    assert post(client, f"/conversions/{conversion.id}/reject", {"reason": "x"}, headers=HX).status_code == 404
    assert post(client, f"/conversions/{conversion.id}/refund", {"amount": "1000"}).status_code == 404
    assert fresh(conversion.id).status == "pending" and fresh(conversion.id).refunded_amount == 0
    assert client.get("/conversions/999999").status_code == 404
    assert client.get("/conversions/99999999999999999999").status_code == 404


def test_admin_reviews_every_campaign(client, setup, login_as):
    *_, conversion = setup
    login_as("admin")
    assert "A-100" in client.get(LIST).get_data(as_text=True)
    assert post(client, f"/conversions/{conversion.id}/approve", headers=HX).status_code == 200
    assert fresh(conversion.id).status == "approved"


def test_bulk_approve_touches_only_own_pending_rows(client, setup):
    merchant, campaign, affiliate, link, conversion = setup
    second = sale(link)
    decided = sale(link, status="rejected", reject_reason="old")
    foreign = sale(shop()[2])
    response = post(client, f"{LIST}bulk?status=pending", {"ids": [conversion.id, second.id, decided.id, foreign.id],
                                                            "decision": "approve"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="conversion-table"')
    assert "2 conversions approved. 2 were not changed (already decided, or not yours)." in html
    assert [fresh(c.id).status for c in (conversion, second, decided, foreign)] == [
        "approved", "approved", "rejected", "pending"]
    # The table keeps its filters: approved rows leave the pending view.
    assert f'id="conversion-{conversion.id}"' not in html


def test_bulk_reject_needs_a_reason_and_then_rejects(client, setup):
    merchant, campaign, affiliate, link, conversion = setup
    foreign = sale(shop()[2])
    html = post(client, f"{LIST}bulk", {"ids": [conversion.id], "decision": "reject", "reason": ""},
                headers=HX).get_data(as_text=True)
    assert 'id="bulk-reason-error"' in html and "Give a reason for rejecting." in html
    assert fresh(conversion.id).status == "pending"
    html = post(client, f"{LIST}bulk", {"ids": [conversion.id, foreign.id], "decision": "reject",
                                        "reason": "Cancelled orders"}, headers=HX).get_data(as_text=True)
    assert "1 conversion rejected. 1 was not changed" in html
    assert (fresh(conversion.id).status, fresh(conversion.id).reject_reason) == ("rejected", "Cancelled orders")
    assert fresh(foreign.id).status == "pending"


def test_bulk_without_a_selection_or_decision(client, setup):
    html = post(client, f"{LIST}bulk", {"decision": "approve"}, headers=HX).get_data(as_text=True)
    assert "Select at least one conversion." in html
    html = post(client, f"{LIST}bulk", {"ids": ["x", "1"]}, headers=HX).get_data(as_text=True)
    assert "Choose whether to approve or reject." in html
    response = post(client, f"{LIST}bulk", {"decision": "approve"})
    assert response.status_code == 302 and response.headers["Location"] == LIST


def test_detail_page_shows_everything(client, setup):
    merchant, campaign, affiliate, link, conversion = setup
    conversion.click.is_unique = False
    # The click's details as the conversion kept them when it was recorded.
    conversion.click_referrer, conversion.click_sub1, conversion.click_sub3 = (
        "https://blog.example/post", "spring", "banner")
    db.session.commit()
    states.approve(conversion.id, merchant.id, ip="192.0.2.44")
    html = client.get(f"/conversions/{conversion.id}").get_data(as_text=True)
    for text in ("A-100", "Tea club", affiliate.name, "buyer@example.com", "203.0.113.77", "198.51.100.7",
                 "Mozilla/5.0 Firefox/140.0", "https://blog.example/post", "sub1=spring", "sub3=banner",
                 "No, a repeat visit", "Very fast conversion", "Conversion approved", "192.0.2.44",
                 "Commission", "125,000", link.code, "Record refund"):
        assert text in html, text


def test_refund_in_part_then_in_full_through_the_form(client, setup):
    merchant, *_, conversion = setup
    states.approve(conversion.id, merchant.id)
    url = f"/conversions/{conversion.id}/refund"
    response = post(client, url, {"amount": "250.000", "reason": "One item back"})
    assert response.status_code == 302 and response.headers["Location"] == f"/conversions/{conversion.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Refund of ₫250,000 recorded; ₫25,000 of commission taken back." in page
    assert "One item back" in page
    assert (fresh(conversion.id).refunded_amount, fresh(conversion.id).commission_reversed) == (250_000, 25_000)
    post(client, url, {"amount": "1,000,000"})
    done = fresh(conversion.id)
    assert (done.status, done.refunded_amount, done.commission_reversed) == ("reversed", 1_250_000, 125_000)
    assert db.session.scalar(db.select(db.func.count()).select_from(Refund)) == 2
    html = client.get(f"/conversions/{conversion.id}").get_data(as_text=True)
    assert "Record refund" not in html and 'class="badge badge-reversed"' in html


@pytest.mark.parametrize("amount, error", [
    ("", "Enter the refunded amount."),
    ("abc", "Enter a number, like 50.000 or 50,000."),
    ("1,5", "VND amounts do not have that many decimals."),
    ("0", "The amount must be more than zero."),
    ("2.000.000", "That is more than is left to refund (₫1,250,000)."),
])
def test_refund_input_errors_show_beside_the_field(client, setup, amount, error):
    *_, conversion = setup
    response = post(client, f"/conversions/{conversion.id}/refund", {"amount": amount})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="amount-error"' in html and error in html
    assert f'value="{amount}"' in html or not amount
    assert fresh(conversion.id).refunded_amount == 0


def test_refund_of_a_rejected_conversion_is_refused(client, setup):
    merchant, *_, conversion = setup
    states.reject(conversion.id, merchant.id, "fraud")
    html = client.get(f"/conversions/{conversion.id}").get_data(as_text=True)
    assert "Record refund" not in html
    response = post(client, f"/conversions/{conversion.id}/refund", {"amount": "1000"}, follow_redirects=True)
    assert response.status_code == 200
    assert "A conversion that is rejected cannot be refunded." in response.get_data(as_text=True)
    assert fresh(conversion.id).refunded_amount == 0


def test_the_affiliate_filter_is_a_search_field_not_a_list_of_everyone(client, login_as):
    merchant = login_as("merchant")
    campaign, affiliate, link = shop(merchant)
    others = [factories.make_membership(campaign).affiliate for _ in range(5)]
    html = client.get(LIST).get_data(as_text=True)
    assert 'type="search"' in html and 'list="affiliate-choices"' in html
    assert '<datalist id="affiliate-choices">' in html
    assert not any(other.name in html for other in others) and 'name="affiliate"' in html
    assert 'hx-get="/analytics/affiliates"' in html and 'hx-push-url="false"' in html
    typed = client.get(f"{LIST}?affiliate={affiliate.email}").get_data(as_text=True)
    assert f'value="{affiliate.email}"' in typed and "Some filters were ignored" not in typed
    suggestions = client.get(f"/analytics/affiliates?affiliate={others[0].email[:-4]}").get_data(as_text=True)
    assert f'value="{others[0].email}"' in suggestions


def test_fraud_signals_have_a_column_and_a_filter(client, login_as):
    merchant = login_as("merchant")
    _, _, link = shop(merchant)
    sale(link, order_id="FLOOD-1", fraud_flags=["click_flood"])
    sale(link, order_id="BOT-1", fraud_flags=["bot_user_agent", "fast_conversion"])
    sale(link, order_id="CLEAN-1")
    html = client.get(LIST).get_data(as_text=True)
    assert "<th>Signals</th>" in html and 'name="flag"' in html

    def orders(query):
        page = client.get(f"{LIST}?{query}", headers=HX).get_data(as_text=True)
        return {order for order in ("FLOOD-1", "BOT-1", "CLEAN-1") if f">{order}</a>" in page}

    assert orders("flag=any") == {"FLOOD-1", "BOT-1"}
    assert orders("flag=fast_conversion") == {"BOT-1"}
    assert orders("flag=click_flood&status=pending") == {"FLOOD-1"}
    assert orders("flag=nonsense") == {"FLOOD-1", "BOT-1", "CLEAN-1"}


def test_csv_export_follows_the_filters_and_the_tenant(client, login_as):
    merchant = login_as("merchant")
    campaign, affiliate, link = shop(merchant, name="Tea club")
    sale(link, order_id="=HYPERLINK(1)", amount=1_250_000, fraud_flags=["click_flood"])
    sale(link, order_id="OK-2", status="approved")
    sale(shop()[2], order_id="THEIRS-1")
    response = client.get(f"{LIST}export.csv?status=pending")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["time_utc", "order_id", "campaign", "affiliate_email"]
    assert len(rows) == 2 and rows[1][1] == "'=HYPERLINK(1)" and rows[1][2] == "Tea club"
    assert rows[1][3] == affiliate.email and rows[1][5:7] == ["VND", "1250000"] and rows[1][12] == "click_flood"
    everything = client.get(f"{LIST}export.csv").get_data(as_text=True)
    assert "OK-2" in everything and "THEIRS-1" not in everything
    login_as("affiliate")
    assert client.get(f"{LIST}export.csv").status_code == 403
