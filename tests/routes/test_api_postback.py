from urllib.parse import urlencode

import pytest

from app.extensions import db
from app.models.conversions import Conversion
from tests import factories
from tests.conversion_helpers import setup_click

URL = "/api/v1/postback"


@pytest.fixture
def campaign_click(app):
    return setup_click(currency="USD")


def fire(client, campaign, click, **kw):
    params = {"token": campaign.postback_token, "click_id": click.public_id, "order_id": "P-1",
              "amount": "1005", "currency": "USD"}
    params.update(kw)
    return client.get(f"{URL}?{urlencode({k: v for k, v in params.items() if v is not None})}")


def test_postback_records_a_conversion(client, campaign_click):
    campaign, click = campaign_click
    response = fire(client, campaign, click)
    assert response.status_code == 201
    data = response.get_json()
    assert (data["amount"], data["currency"], data["commission"], data["click_id"]) == (1005, "USD", 101,
                                                                                          click.public_id)
    assert db.session.scalar(db.select(Conversion.source)) == "postback"
    assert response.headers["Cache-Control"] == "no-store"


def test_repeat_is_200_and_other_amount_409(client, campaign_click):
    campaign, click = campaign_click
    first = fire(client, campaign, click)
    again = fire(client, campaign, click)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert fire(client, campaign, click, amount="1006").status_code == 409


@pytest.mark.parametrize("token", [None, "", "wrong-token", "t" * 200])
def test_missing_or_wrong_token_is_401(client, campaign_click, token):
    campaign, click = campaign_click
    response = client.get(f"{URL}?{urlencode({'token': token} if token is not None else {})}")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"
    assert "WWW-Authenticate" in response.headers


def test_token_only_credits_its_own_campaign(client, campaign_click):
    campaign, _click = campaign_click
    merchant = db.session.get(type(campaign.merchant), campaign.merchant_id)
    _other_campaign, other_click = setup_click(merchant, currency="USD")
    response = fire(client, campaign, other_click)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "unknown_click"
    assert db.session.scalar(db.select(db.func.count()).select_from(Conversion)) == 0


def test_another_merchants_token_cannot_credit_this_click(client, campaign_click):
    _campaign, click = campaign_click
    stranger = factories.make_campaign(currency="USD")
    assert fire(client, stranger, click).status_code == 404


@pytest.mark.parametrize("amount, code", [("10.05", "invalid_type"), ("abc", "invalid_type"), ("-3", "out_of_range"),
                                          (None, "required"), ("1e3", "invalid_type"),
                                          ("99999999999999999999999", "invalid_type")])
def test_amount_must_be_whole_minor_units(client, campaign_click, amount, code):
    campaign, click = campaign_click
    response = fire(client, campaign, click, amount=amount)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code and response.get_json()["error"]["field"] == "amount"


def test_missing_click_id_is_422(client, campaign_click):
    campaign, _click = campaign_click
    query = {"token": campaign.postback_token, "order_id": "x", "amount": 1, "currency": "USD"}
    response = client.get(f"{URL}?{urlencode(query)}")
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "click_id"


def test_api_key_in_postback_url_is_refused(client, campaign_click):
    campaign, click = campaign_click
    response = fire(client, campaign, click, api_key="ak_live_something")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "key_in_query"


def test_head_records_nothing(client, campaign_click):
    campaign, click = campaign_click
    params = urlencode({"token": campaign.postback_token, "click_id": click.public_id, "order_id": "H-1",
                        "amount": "5", "currency": "USD"})
    response = client.head(f"{URL}?{params}")
    assert response.status_code == 405
    assert db.session.scalar(db.select(db.func.count()).select_from(Conversion)) == 0
