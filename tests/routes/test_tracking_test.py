"""Testing a shop's integration: a test click id comes back through the pixel, the API or the postback and
is shown to the merchant; nothing is recorded."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.conversions import Conversion, TrackingTest
from app.services.accounts import api_keys
from app.services.conversions import record, tracking_tests
from app.services.conversions.errors import TrackingTestReceived, UnknownClick
from app.services.onboarding import checklist
from tests.factories import make_campaign, make_user
from tests.routes.csrf import post_form

HX = {"HX-Request": "true"}


def conversions():
    return db.session.scalar(select(func.count(Conversion.id)))


def test_the_merchant_starts_a_test_and_sees_the_pixel_report(client, login_as):
    merchant = login_as("merchant")
    campaign = make_campaign(merchant, name="Tea", landing_url="https://shop.example/tea?ref=1", currency="VND")
    html = post_form(client, "/integration/test", {"campaign": campaign.id}, headers=HX,
                     token_url="/integration").get_data(as_text=True)
    test = db.session.scalar(select(TrackingTest))
    assert test.campaign_id == campaign.id and test.token.startswith("test-")
    assert f"https://shop.example/tea?ref=1&amp;aff_click_id={test.token}" in html
    assert 'hx-trigger="every 3s"' in html and "Waiting for the order" in html

    # The shop's confirmation page fires the pixel with the test click id.
    response = client.get(f"/t/conversion.gif?campaign={campaign.id}&order_id=1001&amount=150000&currency=VND"
                          f"&click_id={test.token}")
    assert response.status_code == 200 and response.mimetype == "image/gif"
    assert conversions() == 0

    html = client.get(f"/integration/test/{test.id}", headers=HX).get_data(as_text=True)
    assert "It works" in html and "1001" in html and "Pixel" in html and "every 3s" not in html
    assert checklist.for_user(merchant).steps[1].state == "done"


def test_a_report_that_a_real_conversion_would_fail_says_why(app):
    merchant = make_user("merchant")
    campaign = make_campaign(merchant, currency="VND")
    test = tracking_tests.start(merchant.id, campaign.id)
    with pytest.raises(TrackingTestReceived):
        record.record_conversion(merchant_id=merchant.id, campaign_id=None, click_public_id=test.token,
                                 order_id="A-1", amount=1999, currency="USD", source="api")
    assert db.session.get(TrackingTest, test.id).problem == "currency_mismatch"
    with pytest.raises(TrackingTestReceived):
        record.record_conversion(merchant_id=merchant.id, campaign_id=None, click_public_id=test.token,
                                 order_id="", amount=1999, currency="VND", source="api")
    assert db.session.get(TrackingTest, test.id).problem == "required"
    assert not tracking_tests.passed(merchant.id) and conversions() == 0


def test_another_merchants_test_id_is_an_unknown_click(app):
    owner, other = make_user("merchant"), make_user("merchant")
    test = tracking_tests.start(owner.id, make_campaign(owner).id)
    with pytest.raises(UnknownClick):
        record.record_conversion(merchant_id=other.id, campaign_id=None, click_public_id=test.token,
                                 order_id="A-1", amount=100, currency="VND", source="api")
    with pytest.raises(UnknownClick):
        record.record_conversion(merchant_id=other.id, campaign_id=None, click_public_id="test-nothing",
                                 order_id="A-1", amount=100, currency="VND", source="api")
    assert db.session.get(TrackingTest, test.id).seen_at is None


def test_the_api_answers_202_for_a_test(client, app):
    merchant = make_user("merchant")
    campaign = make_campaign(merchant, currency="VND")
    test = tracking_tests.start(merchant.id, campaign.id)
    _key, secret = api_keys.create_key(merchant.id, "shop")
    response = client.post("/api/v1/conversions", headers={"Authorization": f"Bearer {secret}"},
                           json={"click_id": test.token, "order_id": "B-2", "amount": 50000, "currency": "VND"})
    assert response.status_code == 202 and response.json["error"]["code"] == "test_conversion"
    assert db.session.get(TrackingTest, test.id).source == "api" and tracking_tests.passed(merchant.id)


def test_tests_are_the_merchants_own(client, login_as):
    owner = make_user("merchant")
    test = tracking_tests.start(owner.id, make_campaign(owner).id)
    login_as("merchant")
    assert client.get(f"/integration/test/{test.id}").status_code == 404
    login_as("affiliate")
    assert client.get(f"/integration/test/{test.id}").status_code == 403


def test_without_a_campaign_the_test_explains(client, login_as):
    login_as("merchant")
    response = post_form(client, "/integration/test", token_url="/integration")
    assert response.status_code == 302
    page = client.get("/integration").get_data(as_text=True)
    assert "Create a campaign first" in page
