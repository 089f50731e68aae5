"""Who may see what: role pages, owned objects, disabled accounts, and each role's dashboard."""
import pytest
from flask_login import login_user
from werkzeug.exceptions import NotFound

from app.models.campaigns import Campaign, Membership
from app.security import get_owned_or_404
from app.services.accounts import admin
from tests.factories import make_campaign, make_click, make_conversion, make_link, make_membership, make_user

HOMES = {"admin": "/home/admin", "merchant": "/home/merchant", "affiliate": "/home/affiliate"}


@pytest.mark.parametrize("role", HOMES)
@pytest.mark.parametrize("page_role", HOMES)
def test_each_role_sees_only_its_own_home(client, login_as, role, page_role):
    login_as(role)
    response = client.get(HOMES[page_role])
    if role == page_role:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        html = response.get_data(as_text=True)
        assert "You do not have access to this page." in html
        assert 'href="/dashboard"' in html


@pytest.mark.parametrize("role", HOMES)
def test_dashboard_and_index_send_each_role_home(client, login_as, role):
    login_as(role)
    assert client.get("/dashboard").headers["Location"] == HOMES[role]
    assert client.get("/").headers["Location"] == HOMES[role]


@pytest.mark.parametrize("path", [*HOMES.values(), "/dashboard", "/settings"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/sign-in?next=")


def test_index_sends_anonymous_visitors_to_sign_in(client):
    assert client.get("/").headers["Location"] == "/auth/sign-in"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We could not find that page." in response.get_data(as_text=True)


def test_owner_loader_hides_other_merchants_campaigns(app):
    merchant_a, merchant_b = make_user("merchant"), make_user("merchant")
    campaign_b = make_campaign(merchant_b)
    with app.test_request_context():
        assert get_owned_or_404(Campaign, campaign_b.id, user=merchant_b) == campaign_b
        with pytest.raises(NotFound):
            get_owned_or_404(Campaign, campaign_b.id, user=merchant_a)
        with pytest.raises(NotFound):
            get_owned_or_404(Campaign, campaign_b.id + 1000, user=merchant_b)


def test_owner_loader_uses_the_signed_in_user(app):
    merchant_a, merchant_b = make_user("merchant"), make_user("merchant")
    campaign_a, campaign_b = make_campaign(merchant_a), make_campaign(merchant_b)
    with app.test_request_context():
        login_user(merchant_a)
        assert get_owned_or_404(Campaign, campaign_a.id) == campaign_a
        with pytest.raises(NotFound):
            get_owned_or_404(Campaign, campaign_b.id)


def test_admin_may_load_anything(app):
    admin = make_user("admin")
    campaign = make_campaign()
    membership = make_membership(campaign)
    with app.test_request_context():
        login_user(admin)
        assert get_owned_or_404(Campaign, campaign.id) == campaign
        assert get_owned_or_404(Membership, membership.id) == membership


def test_affiliates_load_only_their_own_memberships(app):
    campaign = make_campaign()
    mine, theirs = make_membership(campaign), make_membership(campaign)
    with app.test_request_context():
        assert get_owned_or_404(Membership, mine.id, user=mine.affiliate) == mine
        with pytest.raises(NotFound):
            get_owned_or_404(Membership, theirs.id, user=mine.affiliate)
        with pytest.raises(NotFound):  # a merchant is not the owner of a membership row
            get_owned_or_404(Membership, mine.id, user=campaign.merchant)


def test_disabling_an_account_ends_its_session(client, login_as):
    user = login_as("merchant")
    assert client.get("/home/merchant").status_code == 200
    admin.set_disabled(user.id, True, actor_id=None)
    response = client.get("/home/merchant")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/sign-in")
    admin.set_disabled(user.id, False, actor_id=None)
    assert client.get("/home/merchant").status_code == 302  # the old session stays dead


def test_a_forged_session_id_is_refused(client, login_as):
    user = login_as("admin")
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:not-the-token"
    assert client.get("/home/admin").status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = "garbage"
    assert client.get("/home/admin").status_code == 302


def test_merchant_dashboard_shows_its_campaigns_only(client, login_as):
    merchant = login_as("merchant")
    mine = make_campaign(merchant, name="Summer Sale")
    make_campaign(name="Someone Else's")
    link = make_link(mine)
    make_conversion(make_click(link, is_unique=True), amount=1_000_000)
    html = client.get("/home/merchant").get_data(as_text=True)
    assert "Merchant dashboard" in html
    assert "Summer Sale" in html and "Someone Else" not in html
    assert "100,000" in html or "100.000" in html  # 10 % of 1,000,000 VND


def test_merchant_dashboard_without_campaigns(client, login_as):
    login_as("merchant")
    assert "You have no campaigns yet." in client.get("/home/merchant").get_data(as_text=True)


def test_affiliate_dashboard_lists_memberships(client, login_as):
    affiliate = login_as("affiliate")
    merchant = make_user("merchant", company_name="Bach Hoa Shop")
    make_membership(make_campaign(merchant, name="Tet Deals"), affiliate, status="pending")
    html = client.get("/home/affiliate").get_data(as_text=True)
    assert "Tet Deals" in html and "Bach Hoa Shop" in html and "Pending" in html


def test_affiliate_dashboard_without_memberships(client, login_as):
    login_as("affiliate")
    assert "You have not joined any campaign yet." in client.get("/home/affiliate").get_data(as_text=True)


def test_admin_dashboard_counts_users(client, login_as):
    login_as("admin")
    make_user("merchant")
    make_user("affiliate")
    make_user("affiliate")
    html = client.get("/home/admin").get_data(as_text=True)
    assert "Admin dashboard" in html
    assert '<div class="label">Affiliates</div><div class="value">2</div>' in html
    assert '<div class="label">Merchants</div><div class="value">1</div>' in html
