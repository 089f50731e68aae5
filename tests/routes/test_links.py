"""The links pages: list with figures, new-link form, archive/restore over htmx, QR codes, access."""
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.tracking import Link
from app.services.campaigns import links
from tests import factories
from tests.routes.csrf import csrf_token

HTMX = {"HX-Request": "true"}


@pytest.fixture
def campaign(app):
    return factories.make_campaign(name="Summer sale", allowed_hosts="shop.example")


@pytest.fixture
def affiliate(campaign, login_as):
    user = login_as("affiliate")
    factories.make_membership(campaign, user, status="approved")
    return user


def post(client, url, data=None, **kwargs):
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client, "/links/")}, **kwargs)


def link_count() -> int:
    return db.session.scalar(select(func.count(Link.id)))


@pytest.mark.parametrize("role", ["merchant", "admin"])
def test_other_roles_get_403(client, login_as, campaign, role):
    link = factories.make_link(campaign)
    login_as(role)
    for url in ("/links/", "/links/new", f"/links/{link.id}/qr.svg"):
        assert client.get(url).status_code == 403
    for url in (f"/links/{link.id}/archive", f"/links/{link.id}/restore"):
        assert client.post(url, headers={"X-CSRFToken": csrf_token(client, "/auth/account")}).status_code == 403
    assert db.session.get(Link, link.id).archived_at is None


def test_signed_out_visitors_go_to_sign_in(client):
    response = client.get("/links/")
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_list_shows_links_with_figures(client, campaign, affiliate):
    link = factories.make_link(campaign, affiliate, label="Blog sidebar", sub_id="side.bar",
                               destination_url="https://shop.example/shoes")
    click = factories.make_click(link)
    factories.make_click(link)
    factories.make_conversion(click, amount=1_000_000, status="approved")
    factories.make_conversion(click, amount=5_000_000, status="rejected")
    factories.make_link(campaign, label="Someone else's link")

    html = client.get("/links/").get_data(as_text=True)
    assert "Blog sidebar" in html and "Summer sale" in html and "side.bar" in html
    assert "https://shop.example/shoes" in html
    assert "Someone else" not in html
    url = links.tracking_url(link).replace("&", "&amp;")
    assert f'data-select-on-focus>{url}</textarea>' in html
    assert f'data-copy-target="link-url-{link.id}"' in html
    assert re.search(r"js/copy\.[0-9a-f]+\.js", html)
    assert f"/links/{link.id}/qr.svg" in html
    row = re.search(rf'<tr id="link-{link.id}">.*?</tr>', html, re.S).group(0)
    figures = re.findall(r'<td class="num">\s*(.*?)\s*</td>', row, re.S)
    assert figures[:2] == ["2", "1"]
    assert "100,000" in figures[2] and "600,000" not in figures[2]


@pytest.mark.parametrize("query", ["?page=99999999999999999999999", "?page=-3", "?page=x", "?archived=maybe"])
def test_odd_list_parameters_are_harmless(client, campaign, affiliate, query):
    factories.make_link(campaign, affiliate, label="Still here")
    assert client.get(f"/links/{query}").status_code == 200


@pytest.mark.parametrize("query", ["99999999999999999999999", "abc", "-5"])
def test_odd_preselected_campaign_is_harmless(client, affiliate, query):
    assert client.get(f"/links/new?campaign={query}").status_code == 200


def test_archived_tab(client, campaign, affiliate):
    active = factories.make_link(campaign, affiliate, label="Still here")
    factories.make_link(campaign, affiliate, label="Old post", archived_at=active.created_at)
    html = client.get("/links/").get_data(as_text=True)
    assert "Still here" in html and "Old post" not in html
    assert '<span id="count-active">1</span>' in html and '<span id="count-archived">1</span>' in html
    html = client.get("/links/?archived=1").get_data(as_text=True)
    assert "Old post" in html and "Still here" not in html and "Restore" in html


def test_new_link_form_lists_only_linkable_campaigns(client, campaign, affiliate):
    factories.make_membership(factories.make_campaign(name="Waiting one"), affiliate, status="pending")
    factories.make_membership(factories.make_campaign(name="Paused one", status="paused"), affiliate)
    factories.make_campaign(name="Never joined")
    html = client.get("/links/new").get_data(as_text=True)
    assert "Summer sale" in html
    assert "Waiting one" not in html and "Paused one" not in html and "Never joined" not in html


def test_campaign_is_preselected_from_the_campaign_page(client, campaign, affiliate):
    html = client.get(f"/links/new?campaign={campaign.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{campaign.id}">Summer sale</option>', html)


def test_preselected_campaign_that_cannot_be_linked_says_why(client, affiliate):
    pending = factories.make_campaign(name="Waiting one")
    factories.make_membership(pending, affiliate, status="pending")
    html = client.get(f"/links/new?campaign={pending.id}").get_data(as_text=True)
    assert "waiting for the merchant" in html


def test_make_a_deep_link(client, campaign, affiliate):
    response = post(client, "/links/new", {"campaign": campaign.id, "destination_url": "https://shop.example/p?id=7",
                                           "label": "Instagram bio", "sub_id": "ig"})
    link = db.session.scalar(select(Link))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/links/#link-{link.id}")
    assert (link.affiliate_id, link.campaign_id, link.label, link.sub_id) == (affiliate.id, campaign.id,
                                                                             "Instagram bio", "ig")
    assert link.destination_url == "https://shop.example/p?id=7"
    assert "Your link is ready" in client.get("/links/").get_data(as_text=True)


def test_make_a_landing_link(client, campaign, affiliate):
    assert post(client, "/links/new", {"campaign": campaign.id}).status_code == 302
    assert db.session.scalar(select(Link)).destination_url is None


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'<span class="error" id="{field}-error">(.*?)</span>', html, re.S)
    return found.group(1) if found else ""


@pytest.mark.parametrize("destination", ["//evil.com", "https://shop.example.evil.com/", "javascript:alert(1)",
                                         "https://shop.example@evil.com/"])
def test_refused_destination_shows_beside_the_field(client, campaign, affiliate, destination):
    response = post(client, "/links/new", {"campaign": campaign.id, "destination_url": destination, "label": "kept"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "shop.example" in _field_error(html, "destination_url")
    assert 'value="kept"' in html
    assert link_count() == 0


@pytest.mark.parametrize("data, field, says", [
    ({"sub_id": "has space"}, "sub_id", "letters, digits"),
    ({"sub_id": "x" * 101}, "sub_id", "at most 100"),
    ({"label": "x" * 121}, "label", "at most 120"),
])
def test_label_and_sub_id_are_checked(client, campaign, affiliate, data, field, says):
    html = post(client, "/links/new", {"campaign": campaign.id, **data}).get_data(as_text=True)
    assert says in _field_error(html, field)
    assert link_count() == 0


@pytest.mark.parametrize("status, says", [("pending", "waiting for the merchant"), ("removed", "removed from"),
                                          (None, "approved for")])
def test_not_approved_affiliate_is_refused(client, login_as, status, says):
    user = login_as("affiliate")
    campaign = factories.make_campaign()
    if status:
        factories.make_membership(campaign, user, status=status)
    html = post(client, "/links/new", {"campaign": campaign.id}).get_data(as_text=True)
    assert says in _field_error(html, "campaign")
    assert link_count() == 0


def test_paused_campaign_is_refused(client, campaign, affiliate):
    campaign.status = "paused"
    db.session.commit()
    html = post(client, "/links/new", {"campaign": campaign.id}).get_data(as_text=True)
    assert "paused" in _field_error(html, "campaign")
    assert link_count() == 0


@pytest.mark.parametrize("value", ["", "abc", "-1", "0", "2147483648", "99999999999999999999999"])
def test_nonsense_campaign_values_are_refused_without_error(client, affiliate, value):
    response = post(client, "/links/new", {"campaign": value})
    assert response.status_code == 200
    assert _field_error(response.get_data(as_text=True), "campaign")
    assert link_count() == 0


def test_archive_and_restore_over_htmx(client, campaign, affiliate):
    link = factories.make_link(campaign, affiliate)
    token = csrf_token(client, "/links/")
    response = client.post(f"/links/{link.id}/archive", headers={**HTMX, "X-CSRFToken": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith(f'<tr id="link-{link.id}">')
    assert f'hx-post="/links/{link.id}/restore"' in html
    assert '<span id="count-active" hx-swap-oob="true">0</span>' in html
    assert db.session.get(Link, link.id).archived_at is not None

    response = client.post(f"/links/{link.id}/restore", headers={**HTMX, "X-CSRFToken": token})
    assert f'hx-post="/links/{link.id}/archive"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Link, link.id).archived_at is None


def test_archive_without_htmx_redirects_back(client, campaign, affiliate):
    link = factories.make_link(campaign, affiliate)
    response = post(client, f"/links/{link.id}/archive")
    assert response.status_code == 302 and response.headers["Location"].endswith("/links/")
    response = post(client, f"/links/{link.id}/restore")
    assert response.status_code == 302 and response.headers["Location"].endswith("/links/?archived=1")


def test_archive_needs_a_csrf_token(client, campaign, affiliate):
    link = factories.make_link(campaign, affiliate)
    assert client.post(f"/links/{link.id}/archive", headers=HTMX).status_code == 400
    assert db.session.get(Link, link.id).archived_at is None


def test_another_affiliates_link_is_404(client, campaign, affiliate):
    theirs = factories.make_link(campaign)
    assert client.get(f"/links/{theirs.id}/qr.svg").status_code == 404
    assert post(client, f"/links/{theirs.id}/archive").status_code == 404
    assert post(client, f"/links/{theirs.id}/restore").status_code == 404
    assert db.session.get(Link, theirs.id).archived_at is None


def test_qr_code_for_the_owner(client, campaign, affiliate):
    link = factories.make_link(campaign, affiliate, sub_id="print")
    response = client.get(f"/links/{link.id}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "no-store"  # a signed-in download, like every other
    body = response.get_data(as_text=True)
    assert "<svg" in body and "viewBox" in body and "<script" not in body
    assert client.get(f"/links/{link.id}/qr.svg", headers={"If-None-Match": response.headers["ETag"]}
                      ).status_code == 304


def test_empty_list_offers_the_first_link(client, affiliate):
    html = client.get("/links/").get_data(as_text=True)
    assert "You have no links yet." in html and 'href="/links/new"' in html
    assert "No archived links." in client.get("/links/?archived=1").get_data(as_text=True)


def test_the_copy_button_records_the_first_copy_for_the_owner_only(client, campaign, affiliate, login_as):
    link = factories.make_link(campaign, affiliate)
    page = client.get("/links/").get_data(as_text=True)
    assert f'data-copy-report="/links/{link.id}/copied"' in page
    headers = {"X-CSRFToken": csrf_token(client, "/links/")}
    assert client.post(f"/links/{link.id}/copied").status_code == 400  # no CSRF token
    assert db.session.get(Link, link.id).copied_at is None
    assert client.post(f"/links/{link.id}/copied", headers=headers).status_code == 204
    first = db.session.get(Link, link.id).copied_at
    assert first is not None
    assert client.post(f"/links/{link.id}/copied", headers=headers).status_code == 204
    assert db.session.get(Link, link.id).copied_at == first

    someone_elses = factories.make_link(campaign, factories.make_user("affiliate"))
    assert client.post(f"/links/{someone_elses.id}/copied", headers=headers).status_code == 404
    assert client.post("/links/999999/copied", headers=headers).status_code == 404
    assert db.session.get(Link, someone_elses.id).copied_at is None
    for role in ("merchant", "admin"):
        login_as(role)
        token = {"X-CSRFToken": csrf_token(client, "/")}
        assert client.post(f"/links/{someone_elses.id}/copied", headers=token).status_code == 403, role
    assert db.session.get(Link, someone_elses.id).copied_at is None
