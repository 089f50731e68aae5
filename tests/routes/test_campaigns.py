"""Campaign pages: the list with htmx, status buttons, delete, the directory, and who may see what."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.campaigns import Campaign
from app.models.common import utcnow
from tests import factories
from tests.routes.csrf import csrf_token

HX = {"HX-Request": "true"}


def post(client, url, data=None, token_url="/campaigns/"):
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client, token_url)})


def status_of(campaign_id):
    db.session.expire_all()
    return db.session.get(Campaign, campaign_id).status


# The merchant's list

def test_list_shows_figures_per_campaign(client, login_as):
    merchant = login_as("merchant")
    campaign = factories.make_campaign(merchant, name="Kettles", commission_rate=Decimal("10"))
    click = factories.make_click(factories.make_link(campaign))
    factories.make_click(factories.make_link(campaign))
    factories.make_conversion(click, amount=123_000, status="approved")
    factories.make_campaign(name="Not mine")
    html = client.get("/campaigns/").get_data(as_text=True)
    assert "Kettles" in html and "Not mine" not in html
    row = html[html.index("Kettles"):html.index("</tr>", html.index("Kettles"))]
    cells = [part.split("</td>")[0] for part in row.split('<td class="num">')[1:]]
    assert cells[:3] == ["2", "2", "1"]
    assert "12,300" in cells[3]


def test_list_search_and_filter_answer_partial_for_htmx(client, login_as):
    merchant = login_as("merchant")
    factories.make_campaign(merchant, name="Red shoes")
    factories.make_campaign(merchant, name="Blue hats", status="paused")
    full = client.get("/campaigns/?q=shoes")
    assert "HX-Request" in full.headers["Vary"]
    full_html = full.get_data(as_text=True)
    assert "<html" in full_html and 'hx-trigger="change, search, submit"' in full_html
    assert 'value="shoes"' in full_html
    assert "Red shoes" in full_html and "Blue hats" not in full_html

    partial = client.get("/campaigns/?status=paused", headers=HX)
    html = partial.get_data(as_text=True)
    assert "HX-Request" in partial.headers["Vary"]
    assert "<html" not in html and html.lstrip().startswith('<div id="campaign-table"')
    assert "Blue hats" in html and "Red shoes" not in html


def test_boosted_navigation_gets_the_whole_page(client, login_as):
    login_as("merchant")
    html = client.get("/campaigns/", headers={**HX, "HX-Boosted": "true"}).get_data(as_text=True)
    assert "<html" in html


def test_list_pages_in_place(client, login_as):
    merchant = login_as("merchant")
    for n in range(21):
        factories.make_campaign(merchant, name=f"Item {n:02d}", created_at=utcnow() + timedelta(minutes=n))
    first = client.get("/campaigns/?q=item").get_data(as_text=True)
    assert first.count("Item ") == 20 and "Item 00" not in first
    assert 'hx-get="/campaigns/?q=item&amp;page=2"' in first
    second = client.get("/campaigns/?q=item&page=2", headers=HX).get_data(as_text=True)
    assert "Item 00" in second and "Item 01" not in second and "<html" not in second


def test_bad_filter_values_are_ignored(client, login_as):
    merchant = login_as("merchant")
    factories.make_campaign(merchant, name="Still listed")
    response = client.get("/campaigns/?status=nope&page=abc&q=" + "x" * 500)
    assert response.status_code == 200 and "Still listed" in response.get_data(as_text=True)


def test_admin_list_names_the_merchant(client, login_as):
    factories.make_campaign(factories.make_user("merchant", company_name="Lantern Co"), name="Lamps")
    login_as("admin")
    html = client.get("/campaigns/").get_data(as_text=True)
    assert "Lamps" in html and "Lantern Co" in html


# Status buttons and delete

def test_pause_resume_end_through_buttons(client, login_as):
    merchant = login_as("merchant")
    campaign = factories.make_campaign(merchant)
    url = f"/campaigns/{campaign.id}/status"
    assert post(client, url, {"status": "paused"}).status_code == 302
    assert status_of(campaign.id) == "paused"
    assert post(client, url, {"status": "active"}).status_code == 302
    assert status_of(campaign.id) == "active"
    post(client, url, {"status": "ended"})
    assert status_of(campaign.id) == "ended"
    response = post(client, url, {"status": "active"})
    assert response.status_code == 302 and status_of(campaign.id) == "ended"
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "cannot change to that status" in page and 'value="active"' not in page
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "campaign.paused")).one()
    assert event.actor_id == merchant.id and event.ip


def test_unknown_status_is_a_bad_request(client, login_as):
    campaign = factories.make_campaign(login_as("merchant"))
    assert post(client, f"/campaigns/{campaign.id}/status", {"status": "deleted"}).status_code == 400


def test_status_change_needs_csrf(client, login_as):
    campaign = factories.make_campaign(login_as("merchant"))
    assert client.post(f"/campaigns/{campaign.id}/status", data={"status": "paused"}).status_code == 400
    assert status_of(campaign.id) == "active"


def test_delete_refused_with_clicks(client, login_as):
    merchant = login_as("merchant")
    campaign = factories.make_campaign(merchant)
    factories.make_click(factories.make_link(campaign))
    response = post(client, f"/campaigns/{campaign.id}/delete")
    assert response.status_code == 302
    assert db.session.get(Campaign, campaign.id) is not None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot be deleted" in page


def test_delete_without_clicks(client, login_as):
    campaign = factories.make_campaign(login_as("merchant"))
    campaign_id = campaign.id
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert f'action="/campaigns/{campaign_id}/delete"' in page
    response = post(client, f"/campaigns/{campaign_id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/campaigns/")
    db.session.expire_all()
    assert db.session.get(Campaign, campaign_id) is None


# Who may see what

@pytest.mark.parametrize("url", ["/campaigns/", "/campaigns/new", "/campaigns/{id}", "/campaigns/{id}/edit"])
def test_affiliate_gets_403_on_management_pages(client, login_as, url):
    campaign = factories.make_campaign()
    login_as("affiliate")
    assert client.get(url.format(id=campaign.id)).status_code == 403


def test_affiliate_cannot_post_management_forms(client, login_as):
    campaign = factories.make_campaign()
    login_as("affiliate")
    token = csrf_token(client, "/campaigns/directory")
    assert client.post("/campaigns/new", data={"name": "x", "csrf_token": token}).status_code == 403
    assert client.post(f"/campaigns/{campaign.id}/edit", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/campaigns/{campaign.id}/status",
                       data={"status": "paused", "csrf_token": token}).status_code == 403
    assert status_of(campaign.id) == "active"


@pytest.mark.parametrize("method, url", [("get", "/campaigns/{id}"), ("get", "/campaigns/{id}/edit"),
                                         ("post", "/campaigns/{id}/edit"), ("post", "/campaigns/{id}/status"),
                                         ("post", "/campaigns/{id}/delete")])
def test_other_merchants_campaign_is_404(client, login_as, method, url):
    campaign = factories.make_campaign(name="Theirs")
    login_as("merchant")
    if method == "get":
        response = client.get(url.format(id=campaign.id))
    else:
        response = post(client, url.format(id=campaign.id), {"status": "paused"})
    assert response.status_code == 404
    assert status_of(campaign.id) == "active"


def test_admin_manages_any_campaign(client, login_as):
    campaign = factories.make_campaign()
    login_as("admin")
    assert client.get(f"/campaigns/{campaign.id}").status_code == 200
    assert client.get(f"/campaigns/{campaign.id}/edit").status_code == 200
    post(client, f"/campaigns/{campaign.id}/status", {"status": "paused"})
    assert status_of(campaign.id) == "paused"


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/campaigns/")
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


# The affiliates' directory and campaign page

def test_merchant_gets_403_on_directory_and_affiliate_view(client, login_as):
    campaign = factories.make_campaign()
    login_as("merchant")
    assert client.get("/campaigns/directory").status_code == 403
    assert client.get(f"/campaigns/{campaign.id}/view").status_code == 403


def test_directory_lists_open_campaigns_with_membership(client, login_as):
    affiliate = login_as("affiliate")
    joined = factories.make_campaign(name="Joined one", join_mode="review")
    factories.make_membership(joined, affiliate, status="pending")
    factories.make_campaign(name="Fixed one", commission_type="fixed", commission_fixed=25_000)
    factories.make_campaign(name="Paused one", status="paused")
    html = client.get("/campaigns/directory").get_data(as_text=True)
    assert "Joined one" in html and "Fixed one" in html and "Paused one" not in html
    assert "badge-pending" in html and "Review" in html and "25,000" in html

    partial = client.get("/campaigns/directory?commission_type=fixed&sort=commission&order=desc", headers=HX)
    html = partial.get_data(as_text=True)
    assert "HX-Request" in partial.headers["Vary"] and html.lstrip().startswith('<div id="directory-table"')
    assert "Fixed one" in html and "Joined one" not in html


def test_affiliate_campaign_page(client, login_as):
    affiliate = login_as("affiliate")
    open_one = factories.make_campaign(name="Open one", terms="No spam.")
    paused = factories.make_campaign(name="Paused one", status="paused")
    member_of = factories.make_campaign(name="Mine", status="ended")
    factories.make_membership(member_of, affiliate, status="approved")
    html = client.get(f"/campaigns/{open_one.id}/view").get_data(as_text=True)
    assert "Open one" in html and "No spam." in html and open_one.postback_token not in html
    assert client.get(f"/campaigns/{paused.id}/view").status_code == 404
    assert client.get(f"/campaigns/{member_of.id}/view").status_code == 200
    assert client.get("/campaigns/999999/view").status_code == 404
