"""The integration page: a merchant's own ids, tokens and snippets; nobody else's."""
import re

import pytest

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.users import MerchantProfile
from app.services.conversions import stripe_endpoint
from tests import factories
from tests.routes.csrf import csrf_token

PAGE = "/integration"
SECRET = "whsec_abcdefghijklmnopqrstuvwxyz012345"


def profile(user) -> MerchantProfile:
    db.session.expire_all()
    return db.session.get(MerchantProfile, user.id)


def post(client, url, data=None, **kwargs):
    form = dict(data or {}, csrf_token=csrf_token(client, PAGE))
    return client.post(url, data=form, **kwargs)


@pytest.fixture
def two_merchants(app):
    mine, theirs = factories.make_user("merchant"), factories.make_user("merchant")
    stripe_endpoint.new_webhook_token(theirs.id, theirs.id)
    return {"mine": mine, "theirs": theirs, "my_campaign": factories.make_campaign(mine, currency="USD"),
            "their_campaign": factories.make_campaign(theirs)}


def test_a_merchant_sees_their_own_values(client, login_as, two_merchants):
    login_as(two_merchants["mine"])
    stripe_endpoint.new_webhook_token(two_merchants["mine"].id, two_merchants["mine"].id)
    response = client.get(PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    mine = two_merchants["my_campaign"]
    assert "http://localhost/t/aff.js" in html
    call = f"affiliate.conversion({{campaign: {mine.id}, orderId: &#34;1001&#34;, amount: 1999, currency: &#34;USD&#34;"
    assert call in html
    assert f"/t/conversion.gif?campaign={mine.id}&amp;order_id={{ORDER_ID}}" in html
    assert f"/api/v1/postback?token={mine.postback_token}&amp;" in html
    assert f"/api/v1/stripe/webhook/{profile(two_merchants['mine']).webhook_token}" in html
    assert "http://localhost/api/v1/conversions \\" in html and "&lt;YOUR_API_KEY&gt;" in html
    assert "/refunds \\" in html
    assert 'href="/settings/api-keys"' in html
    assert 'data-copy-target="snippet-script"' in html and re.search(r"js/copy\.[0-9a-f]+\.js", html)


def test_another_merchants_tokens_never_show(client, login_as, two_merchants):
    login_as(two_merchants["mine"])
    theirs = two_merchants["their_campaign"]
    for url in (PAGE, f"{PAGE}?merchant={two_merchants['theirs'].id}"):
        html = client.get(url).get_data(as_text=True)
        assert theirs.postback_token not in html
        assert profile(two_merchants["theirs"]).webhook_token not in html
        assert f"campaign={theirs.id}&amp;" not in html
        assert two_merchants["my_campaign"].postback_token in html


def test_affiliates_get_403_and_visitors_sign_in(client, login_as):
    assert client.get(PAGE).status_code == 302
    login_as("affiliate")
    assert client.get(PAGE).status_code == 403
    assert post(client, "/integration/stripe/url").status_code == 403


def test_a_merchant_without_campaigns_gets_a_working_page(client, login_as):
    login_as("merchant")
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "No campaigns yet" in response.get_data(as_text=True)


def test_creating_the_webhook_address(client, login_as):
    merchant = login_as("merchant")
    assert "Create the webhook address" in client.get(PAGE).get_data(as_text=True)
    response = post(client, "/integration/stripe/url", follow_redirects=True)
    token = profile(merchant).webhook_token
    assert token and len(token) >= 40
    assert f"/api/v1/stripe/webhook/{token}" in response.get_data(as_text=True)
    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.object_id == str(merchant.id)))
    assert "merchant.stripe_webhook_url_created" in set(actions)


def test_replacing_the_address_over_htmx_returns_the_card(client, login_as):
    merchant = login_as("merchant")
    old = stripe_endpoint.new_webhook_token(merchant.id, merchant.id)
    response = post(client, "/integration/stripe/url", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    new = profile(merchant).webhook_token
    assert response.status_code == 200 and new != old
    assert html.lstrip().startswith("<section") and 'id="stripe-webhook"' in html and "<html" not in html
    assert new in html and old not in html
    assert "HX-Request" in response.headers["Vary"]


def test_saving_the_signing_secret_shows_it_masked(client, login_as):
    merchant = login_as("merchant")
    stripe_endpoint.new_webhook_token(merchant.id, merchant.id)
    response = post(client, "/integration/stripe/secret", {"secret": f"  {SECRET} "}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert profile(merchant).stripe_webhook_secret == SECRET
    assert SECRET not in html and "whsec_…2345" in html
    audit = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "merchant.stripe_secret_set"))
    assert SECRET not in str(audit.after)


@pytest.mark.parametrize("secret", ["", "sk_live_abcdefghijklmnop", "whsec_ has spaces in it", "whsec_short",
                                    "whsec_" + "a" * 250])
def test_a_bad_signing_secret_is_refused_beside_the_field(client, login_as, secret):
    merchant = login_as("merchant")
    stripe_endpoint.new_webhook_token(merchant.id, merchant.id)
    response = post(client, "/integration/stripe/secret", {"secret": secret})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'class="error" id="secret-error"', html)
    assert profile(merchant).stripe_webhook_secret is None
    if secret:
        assert secret not in html  # a password field never sends the value back


def test_a_form_without_csrf_token_is_refused(client, login_as):
    merchant = login_as("merchant")
    response = client.post("/integration/stripe/url")
    assert response.status_code == 400
    assert profile(merchant).webhook_token is None


def test_an_admin_picks_a_merchant(client, login_as, two_merchants):
    login_as("admin")
    html = client.get(PAGE).get_data(as_text=True)
    assert 'id="merchant-select"' in html and two_merchants["my_campaign"].postback_token not in html
    theirs = two_merchants["theirs"]
    html = client.get(f"{PAGE}?merchant={theirs.id}").get_data(as_text=True)
    assert two_merchants["their_campaign"].postback_token in html
    assert two_merchants["my_campaign"].postback_token not in html
    response = post(client, f"/integration/stripe/secret?merchant={theirs.id}", {"secret": SECRET})
    assert response.status_code == 302 and profile(theirs).stripe_webhook_secret == SECRET


def test_an_admin_asking_for_a_non_merchant_gets_404(client, login_as):
    affiliate = factories.make_user("affiliate")
    login_as("admin")
    assert client.get(f"{PAGE}?merchant={affiliate.id}").status_code == 404
    assert client.get(f"{PAGE}?merchant=999999").status_code == 404
    assert post(client, "/integration/stripe/url").status_code == 404


def test_campaign_names_are_escaped(client, login_as):
    merchant = login_as("merchant")
    factories.make_campaign(merchant, name="<script>alert(1)</script>")
    html = client.get(PAGE).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
