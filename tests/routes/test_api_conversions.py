from datetime import timedelta

import pytest

from app.extensions import db
from app.models.conversions import Conversion
from app.services.accounts import api_keys
from tests.conversion_helpers import logged_warnings, make_key, setup_click

URL = "/api/v1/conversions"


@pytest.fixture
def shop(app):
    """A merchant with an API key and a fresh click on one of its campaigns."""
    merchant, raw = make_key()
    campaign, click = setup_click(merchant, hold_days=30)
    return {"merchant": merchant, "key": raw, "campaign": campaign, "click": click}


def body(shop, **kw):
    values = {"click_id": shop["click"].public_id, "order_id": "A-1001", "amount": 1_500_000, "currency": "VND"}
    values.update(kw)
    return {k: v for k, v in values.items() if v is not ...}


def post(client, shop, payload=None, key=None, **kw):
    headers = {"Authorization": f"Bearer {key or shop['key']}"}
    return client.post(URL, json=payload if payload is not None else body(shop), headers=headers, **kw)


def error_of(response):
    return response.get_json()["error"]


def test_created_conversion_json(client, shop):
    response = post(client, shop, body(shop, customer_email="buyer@example.org"))
    assert response.status_code == 201
    data = response.get_json()
    conversion = db.session.scalar(db.select(Conversion))
    assert response.headers["Location"].endswith(f"/api/v1/conversions/{conversion.id}")
    assert data["id"] == conversion.id
    assert {k: data[k] for k in ("order_id", "amount", "currency", "commission", "status", "campaign_id",
                                 "affiliate_id", "click_id")} == {
        "order_id": "A-1001", "amount": 1_500_000, "currency": "VND", "commission": 150_000,
        "status": "pending", "campaign_id": shop["campaign"].id, "affiliate_id": shop["click"].affiliate_id,
        "click_id": shop["click"].public_id}
    assert data["attribution"] == {"click_id": shop["click"].public_id, "rule": "last_click"}
    assert data["created_at"].endswith("Z") and data["payable_at"].endswith("Z")
    assert conversion.source == "api" and conversion.customer_email == "buyer@example.org"


def test_identical_repeat_answers_200_with_the_same_body(client, shop):
    first = post(client, shop)
    second = post(client, shop)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json() == first.get_json()
    assert db.session.scalar(db.select(db.func.count()).select_from(Conversion)) == 1


def test_numeric_order_id_is_the_same_order_as_its_text(client, shop):
    assert post(client, shop, body(shop, order_id=1001)).status_code == 201
    assert post(client, shop, body(shop, order_id="1001")).status_code == 200


@pytest.mark.parametrize("change", [{"amount": 1_500_001}, {"currency": "USD"}])
def test_same_order_other_values_is_409(client, shop, change):
    post(client, shop)
    response = post(client, shop, body(shop, **change))
    assert response.status_code == 409
    assert error_of(response)["code"] == "order_conflict" and error_of(response)["field"] == "order_id"


def test_unknown_click_is_404(client, shop):
    with logged_warnings() as warnings:
        response = post(client, shop, body(shop, click_id="nope-nope"))
    assert response.status_code == 404
    assert error_of(response) == {"code": "unknown_click", "message": error_of(response)["message"],
                                  "field": "click_id"}
    assert any("conversion tracking failed" in m and "A-1001" in m and "unknown_click" in m for m in warnings)


def test_merchant_b_cannot_credit_merchant_a_click(client, shop):
    _merchant_b, key_b = make_key()
    response = post(client, shop, key=key_b)
    assert response.status_code == 404 and error_of(response)["code"] == "unknown_click"
    assert db.session.scalar(db.select(db.func.count()).select_from(Conversion)) == 0


def test_expired_click_is_422(client, app):
    merchant, raw = make_key()
    campaign, click = setup_click(merchant, attribution_days=7, click_age=timedelta(days=7, seconds=2))
    response = client.post(URL, json={"click_id": click.public_id, "order_id": "x", "amount": 1, "currency": "VND"},
                           headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 422
    assert error_of(response)["code"] == "click_expired" and error_of(response)["field"] == "click_id"


def test_click_inside_window_is_accepted(client, app):
    merchant, raw = make_key()
    _campaign, click = setup_click(merchant, attribution_days=7, click_age=timedelta(days=6, hours=23))
    response = client.post(URL, json={"click_id": click.public_id, "order_id": "x", "amount": 1, "currency": "VND"},
                           headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 201


def test_not_attributable_click_is_422(client, shop):
    shop["click"].is_attributable = False
    db.session.commit()
    response = post(client, shop)
    assert response.status_code == 422 and error_of(response)["code"] == "not_attributable"


def test_currency_other_than_the_campaigns_is_422(client, shop):
    response = post(client, shop, body(shop, currency="usd"))
    assert response.status_code == 422
    assert (error_of(response)["code"], error_of(response)["field"]) == ("currency_mismatch", "currency")


@pytest.mark.parametrize("change, field, code", [
    ({"click_id": ...}, "click_id", "required"),
    ({"click_id": ""}, "click_id", "required"),
    ({"click_id": 12345}, "click_id", "invalid_type"),
    ({"click_id": "c" * 65}, "click_id", "too_long"),
    ({"click_id": "a\u0000b"}, "click_id", "invalid_characters"),
    ({"order_id": ...}, "order_id", "required"),
    ({"order_id": "  "}, "order_id", "required"),
    ({"order_id": "o" * 256}, "order_id", "too_long"),
    ({"order_id": ["A-1"]}, "order_id", "invalid_type"),
    ({"order_id": "\ud800"}, "order_id", "invalid_characters"),
    ({"amount": ...}, "amount", "required"),
    ({"amount": -1}, "amount", "out_of_range"),
    ({"amount": 10**16}, "amount", "out_of_range"),
    ({"amount": 100.0}, "amount", "invalid_type"),
    ({"amount": 99.5}, "amount", "invalid_type"),
    ({"amount": "1500000"}, "amount", "invalid_type"),
    ({"amount": True}, "amount", "invalid_type"),
    ({"amount": None}, "amount", "required"),
    ({"currency": ...}, "currency", "required"),
    ({"currency": "VN"}, "currency", "unknown_currency"),
    ({"currency": "XXX"}, "currency", "unknown_currency"),
    ({"currency": 704}, "currency", "invalid_type"),
    ({"customer_email": "not an email"}, "customer_email", "invalid_email"),
    ({"customer_email": 42}, "customer_email", "invalid_type"),
    ({"customer_email": "a" * 250 + "@example.com"}, "customer_email", "too_long"),
])
def test_validation_errors_name_code_and_field(client, shop, change, field, code):
    response = post(client, shop, body(shop, **change))
    assert response.status_code == 422, response.get_json()
    assert (error_of(response)["code"], error_of(response)["field"]) == (code, field)
    assert error_of(response)["message"]


def test_empty_customer_email_is_ignored(client, shop):
    response = post(client, shop, body(shop, customer_email=""))
    assert response.status_code == 201


@pytest.mark.parametrize("raw, content_type, status, code", [
    ("{not json", "application/json", 400, "malformed_json"),
    ("[1, 2]", "application/json", 400, "malformed_json"),
    ('"text"', "application/json", 400, "malformed_json"),
    ("", "application/json", 400, "malformed_json"),
    ("\xff\xfe", "application/json", 400, "malformed_json"),
    ("[" * 100_000 + "]" * 100_000, "application/json", 413, "too_large"),
    ("[" * 20_000 + "]" * 20_000, "application/json", 400, "malformed_json"),
    ("click_id=x&order_id=1", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ('{"click_id": "x"}', "text/plain", 415, "unsupported_media_type"),
])
def test_bad_bodies(client, shop, raw, content_type, status, code):
    response = client.post(URL, data=raw.encode("utf-8", "surrogateescape") if raw.isascii() else raw.encode("latin-1"),
                           content_type=content_type, headers={"Authorization": f"Bearer {shop['key']}"})
    assert response.status_code == status
    assert error_of(response)["code"] == code


@pytest.mark.parametrize("header, code", [
    (None, "missing_api_key"),
    ("Bearer", "invalid_api_key"),
    ("Bearer ak_live_wrong", "invalid_api_key"),
    ("Basic dXNlcjpwYXNz", "invalid_api_key"),
    ("Token {key}", "invalid_api_key"),
])
def test_auth_errors_are_401_with_www_authenticate(client, shop, header, code):
    headers = {"Authorization": header.format(key=shop["key"])} if header else {}
    response = client.post(URL, json=body(shop), headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert error_of(response)["code"] == code


def test_scheme_is_case_insensitive(client, shop):
    response = client.post(URL, json=body(shop), headers={"Authorization": f"bearer {shop['key']}"})
    assert response.status_code == 201


def test_revoked_key_fails_on_the_next_request(client, shop):
    assert post(client, shop).status_code == 201
    key = api_keys.authenticate(shop["key"])
    api_keys.revoke(key.id, shop["merchant"].id)
    response = post(client, shop, body(shop, order_id="A-1002"))
    assert response.status_code == 401 and error_of(response)["code"] == "invalid_api_key"


@pytest.mark.parametrize("param", ["api_key", "key", "access_token", "apikey"])
def test_key_in_query_string_is_refused_and_not_logged(client, shop, param, capfd):
    response = client.post(f"{URL}?{param}={shop['key']}", json=body(shop),
                           headers={"Authorization": f"Bearer {shop['key']}"})
    assert response.status_code == 400 and error_of(response)["code"] == "key_in_query"
    assert db.session.scalar(db.select(db.func.count()).select_from(Conversion)) == 0
    assert shop["key"] not in capfd.readouterr().err


def test_key_never_logged_on_success(client, shop, capfd):
    post(client, shop)
    assert shop["key"] not in capfd.readouterr().err


def test_get_conversion_for_its_merchant_only(client, shop):
    created = post(client, shop).get_json()
    response = client.get(f"{URL}/{created['id']}", headers={"Authorization": f"Bearer {shop['key']}"})
    assert response.status_code == 200 and response.get_json() == created
    _other, other_key = make_key()
    assert client.get(f"{URL}/{created['id']}", headers={"Authorization": f"Bearer {other_key}"}).status_code == 404
    assert client.get(f"{URL}/{created['id']}").status_code == 401
    assert client.get(f"{URL}/99999999999999999999",
                      headers={"Authorization": f"Bearer {shop['key']}"}).status_code == 404


def test_wrong_method_answers_json(client, shop):
    response = client.put(URL, json={}, headers={"Authorization": f"Bearer {shop['key']}"})
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"


def test_conversion_is_pending_until_approved(client, shop):
    created = post(client, shop).get_json()
    assert created["status"] == "pending"
    assert created["payable_at"] > created["created_at"]
