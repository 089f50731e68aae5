"""The invitations page (admins and merchants) and signing up from an invitation's link."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.campaigns import Membership
from app.models.common import utcnow
from app.models.invitations import Invitation
from app.services.accounts import invitations
from tests.factories import make_campaign, make_user
from tests.routes.csrf import post_form


def invite(client, data):
    return post_form(client, "/invitations", data, token_url="/invitations")


def join_path(outbox) -> str:
    return re.search(r"http://localhost(/auth/join/\S+)", outbox[-1]["body"]).group(1)


@pytest.mark.parametrize(("role", "status"), [("affiliate", 403), ("merchant", 200), ("admin", 200)])
def test_who_opens_the_invitations_page(client, login_as, role, status):
    login_as(role)
    assert client.get("/invitations").status_code == status


def test_a_merchant_invites_into_their_campaign_from_its_affiliates_page(client, login_as, outbox):
    merchant = login_as("merchant")
    campaign = make_campaign(merchant, name="Tết")
    other = make_campaign(name="Not mine")
    html = client.get(f"/invitations?campaign_id={campaign.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{campaign.id}">Tết</option>', html)
    assert "Not mine" not in html and 'name="role"' not in html
    response = invite(client, {"email": "lan@example.com", "campaign_id": str(campaign.id)})
    assert response.status_code == 302
    assert db.session.scalar(select(Invitation.campaign_id)) == campaign.id
    refused = invite(client, {"email": "minh@example.com", "campaign_id": str(other.id)}).get_data(as_text=True)
    assert 'id="campaign_id-error"' in refused


@pytest.mark.parametrize(("data", "field"), [
    ({"email": "not-an-email", "role": "merchant"}, "email"),
    ({"email": "taken@example.com", "role": "merchant"}, "email"),
    ({"email": "x@example.com", "role": "admin"}, "role"),
])
def test_a_refused_invitation_says_why_beside_the_field(client, login_as, outbox, data, field):
    make_user(email="taken@example.com")
    login_as("admin")
    html = invite(client, data).get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert outbox == [] and db.session.scalar(select(Invitation)) is None


def test_the_list_shows_each_inviters_own_and_revoke_checks_the_owner(app, client, login_as, outbox):
    mine = login_as("merchant")
    other = make_user("merchant")
    invitations.invite(other, "theirs@example.com", "affiliate")
    invitations.invite(mine, "mine@example.com", "affiliate")
    html = client.get("/invitations").get_data(as_text=True)
    assert "mine@example.com" in html and "theirs@example.com" not in html
    theirs = db.session.scalar(select(Invitation).where(Invitation.email == "theirs@example.com"))
    assert post_form(client, f"/invitations/{theirs.id}/revoke", token_url="/invitations").status_code == 404
    own = db.session.scalar(select(Invitation).where(Invitation.email == "mine@example.com"))
    assert post_form(client, f"/invitations/{own.id}/revoke", token_url="/invitations").status_code == 302
    db.session.refresh(own)
    assert own.revoked_at is not None
    assert "Revoked" in client.get("/invitations").get_data(as_text=True)


def test_signing_up_from_an_invitation(app, client, outbox):
    merchant = make_user("merchant")
    campaign = make_campaign(merchant, join_mode="review")
    invitations.invite(merchant, "lan@example.com", "affiliate", campaign.id)
    path = join_path(outbox)
    html = client.get(path).get_data(as_text=True)
    assert "lan@example.com" in html and 'name="email"' not in html and 'name="company_name"' not in html
    response = post_form(client, path, {"name": "Lan", "password": "s3cret-enough", "confirm": "s3cret-enough"},
                         token_url=path)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert client.get("/home/affiliate").status_code == 200
    assert db.session.scalar(select(Membership.status)) == "approved"
    client.post("/auth/sign-out", data={"csrf_token": ""})
    other = app.test_client()
    assert other.get(path).status_code == 302  # used once


def test_a_merchant_invitation_asks_for_the_company(app, client, outbox):
    invitations.invite(make_user("admin"), "shop@example.com", "merchant")
    path = join_path(outbox)
    html = post_form(client, path, {"name": "Lan", "password": "s3cret-enough", "confirm": "s3cret-enough",
                                    "company_name": "", "website": ""}, token_url=path).get_data(as_text=True)
    assert 'id="company_name-error"' in html and 'id="website-error"' in html
    assert db.session.scalar(select(Invitation.accepted_at)) is None


def test_a_bad_invitation_link_leads_to_sign_in(client):
    response = client.get("/auth/join/not-a-real-token")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/sign-in"


def test_the_list_pages_through_every_invitation_keeping_its_sort(client, login_as):
    admin = login_as("admin")
    for n in range(invitations.PER_PAGE + 3):
        db.session.add(Invitation(email=f"guest{n:02d}@example.com", role="affiliate", token_hash=f"{n:064x}",
                                  invited_by_id=admin.id, expires_at=utcnow() + timedelta(days=7)))
    db.session.commit()
    first = client.get("/invitations?sort=email&order=asc").get_data(as_text=True)
    shown = re.findall(r"<td>(guest\d+)@example.com</td>", first)
    assert shown == [f"guest{n:02d}" for n in range(invitations.PER_PAGE)]
    following = re.search(r'href="([^"]+)"[^>]*rel="next"', first).group(1).replace("&amp;", "&")
    assert following == "/invitations?sort=email&order=asc&page=2"
    second = client.get(following, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert second.lstrip().startswith('<section class="card" id="invitation-list">')
    assert re.findall(r"<td>(guest\d+)@example.com</td>", second) == [
        f"guest{n:02d}" for n in range(invitations.PER_PAGE, invitations.PER_PAGE + 3)]
    assert 'rel="prev"' in second and 'rel="next"' not in second
