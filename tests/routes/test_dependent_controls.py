"""A decision swapped into one row also takes away what no longer applies: the bulk actions once nothing in
view waits, the links list's empty state once a tab holds no link."""
import pytest

from tests import factories
from tests.payout_admin_helpers import payout_in
from tests.review_helpers import HX, sale, shop
from tests.routes.csrf import post_form

BULK_GONE = {"applications": 'id="applications-bulk" hx-swap-oob="true"',
             "conversions": 'id="conversions-bulk" hx-swap-oob="true"',
             "payouts": 'id="payouts-bulk" hx-swap-oob="true"'}


def decide(client, url, in_view, data=None, token_url="/auth/sign-in"):
    form = dict(data or {})
    if in_view is not None:
        form["in_view"] = " ".join(str(i) for i in in_view)
    return post_form(client, url, form, token_url=token_url, headers=HX).get_data(as_text=True)


def test_the_application_bulk_bar_goes_with_the_last_pending_application_in_view(client, login_as):
    merchant = factories.make_user("merchant")
    campaign = factories.make_campaign(merchant)
    first, second = (factories.make_membership(campaign, status="pending") for _ in range(2))
    login_as(merchant)
    page = client.get("/campaigns/applications").get_data(as_text=True)
    assert f'name="in_view" value="{first.id} {second.id}"' in page and 'id="bulk-form"' in page
    url = "/campaigns/applications/{}/decide"
    html = decide(client, url.format(first.id), [first.id, second.id], {"decision": "approve"})
    assert BULK_GONE["applications"] not in html
    html = decide(client, url.format(second.id), [first.id, second.id], {"decision": "reject"})
    assert BULK_GONE["applications"] in html and 'id="bulk-form"' not in html
    assert 'id="applications-select-all" hx-swap-oob="true"></span>' in html


def test_another_merchants_pending_application_does_not_keep_the_bar(client, login_as):
    merchant = factories.make_user("merchant")
    mine = factories.make_membership(factories.make_campaign(merchant), status="pending")
    theirs = factories.make_membership(factories.make_campaign(), status="pending")
    login_as(merchant)
    html = decide(client, f"/campaigns/applications/{mine.id}/decide", [mine.id, theirs.id], {"decision": "approve"})
    assert BULK_GONE["applications"] in html


def test_the_conversion_bulk_bar_goes_with_the_last_pending_conversion_in_view(client, login_as):
    merchant = factories.make_user("merchant")
    link = shop(merchant)[2]
    first, second = sale(link), sale(link)
    decided = sale(link, status="approved")
    login_as(merchant)
    page = client.get("/conversions/").get_data(as_text=True)
    assert f'id="conversion-{decided.id}"' in page and 'id="bulk-form"' in page
    assert 'hx-trigger="conversionsChanged from:body" hx-select="#conversion-count"' in page
    assert 'hx-include="#conversions-in-view"' in page
    html = decide(client, f"/conversions/{second.id}/approve", [second.id, first.id], token_url="/conversions/")
    assert BULK_GONE["conversions"] not in html
    html = decide(client, f"/conversions/{first.id}/reject", [second.id, first.id], {"reason": "Test order"},
                  token_url="/conversions/")
    assert BULK_GONE["conversions"] in html and 'id="bulk-form"' not in html
    # A row answered without the list's ids (the detail page) says nothing about the bulk actions.
    third = sale(link)
    assert "hx-swap-oob" not in decide(client, f"/conversions/{third.id}/approve", None, token_url="/conversions/")


def test_no_bulk_bar_over_a_page_with_nothing_to_decide(client, login_as):
    merchant = factories.make_user("merchant")
    sale(shop(merchant)[2], status="approved")
    login_as(merchant)
    page = client.get("/conversions/").get_data(as_text=True)
    assert 'id="conversion-' in page and 'id="bulk-form"' not in page and 'id="select-all"' not in page


def test_the_payout_bulk_bar_goes_with_the_last_waiting_request_in_view(client, login_as):
    admin = login_as("admin")
    first, second = payout_in("requested", admin=admin), payout_in("requested", admin=admin)
    paid = payout_in("paid", admin=admin)
    page = client.get("/payouts/admin").get_data(as_text=True)
    assert f'name="in_view" value="{first.id} {second.id}"' in page and f'id="payout-{paid.id}"' in page
    assert 'hx-select="#export-note"' in page
    html = decide(client, f"/payouts/admin/{first.id}/approve", [first.id, second.id], token_url="/payouts/admin")
    assert BULK_GONE["payouts"] not in html
    html = decide(client, f"/payouts/admin/{second.id}/reject", [first.id, second.id], {"reason": "Duplicate"},
                  token_url="/payouts/admin")
    assert BULK_GONE["payouts"] in html and 'id="bulk-form"' not in html


@pytest.mark.parametrize("count", [1, 2])
def test_archiving_the_last_active_link_brings_back_the_empty_state(client, login_as, count):
    affiliate = factories.make_user("affiliate")
    links = [shop(affiliate=affiliate)[2] for _ in range(count)]
    login_as(affiliate)
    page = client.get("/links/").get_data(as_text=True)
    assert "hx-vals='{\"tab\": \"active\"}'" in page and "You have no links yet." not in page
    html = post_form(client, f"/links/{links[0].id}/archive", {"tab": "active"}, token_url="/links/",
                     headers=HX).get_data(as_text=True)
    assert 'id="links-empty" hx-swap-oob="true"' in html
    assert ("Make your first link" in html) == (count == 1)
    html = post_form(client, f"/links/{links[0].id}/restore", {"tab": "active"}, token_url="/links/",
                     headers=HX).get_data(as_text=True)
    assert "Make your first link" not in html


def test_restoring_the_last_archived_link_empties_the_archived_tab(client, login_as):
    affiliate = factories.make_user("affiliate")
    link = shop(affiliate=affiliate)[2]
    login_as(affiliate)
    post_form(client, f"/links/{link.id}/archive", token_url="/links/")
    html = post_form(client, f"/links/{link.id}/restore", {"tab": "archived"}, token_url="/links/?archived=1",
                     headers=HX).get_data(as_text=True)
    assert "No archived links." in html and "Make your first link" not in html
