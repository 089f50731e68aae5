"""Rate limits from config on sign-in, sign-up, password reset, the pixel, the postback and the API."""
import pytest

from tests.conversion_helpers import make_key, setup_click
from tests.routes.csrf import csrf_token

CLIENT_IP = {"REMOTE_ADDR": "203.0.113.40"}


@pytest.fixture
def limit(app, monkeypatch):
    """Set limit `name` to `value` for this test."""
    def set_limit(name, value):
        monkeypatch.setitem(app.config["RATE_LIMITS"], name, value)
    return set_limit


def assert_limited(response):
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 61


@pytest.mark.parametrize(("name", "url", "data"), [
    ("sign_in", "/auth/sign-in", {"email": "a@example.com", "password": "wrong password"}),
    ("sign_up", "/auth/sign-up", {"email": "not an email"}),
    ("forgot_password", "/auth/forgot", {"email": "a@example.com"}),
])
def test_account_forms_are_limited_per_address(app, client, limit, name, url, data):
    limit(name, "2 per minute")
    token = csrf_token(client, url)
    for _ in range(2):
        assert client.post(url, data={**data, "csrf_token": token}, environ_base=CLIENT_IP).status_code != 429
    refused = client.post(url, data={**data, "csrf_token": token}, environ_base=CLIENT_IP)
    assert_limited(refused)
    assert "Too many requests" in refused.get_data(as_text=True)
    # Showing the form is not counted, and another address has its own budget.
    assert client.get(url, environ_base=CLIENT_IP).status_code == 200
    other = client.post(url, data={**data, "csrf_token": token}, environ_base={"REMOTE_ADDR": "198.51.100.2"})
    assert other.status_code != 429


def test_the_pixel_is_limited_per_address(client, limit):
    limit("pixel", "3 per minute")
    for _ in range(3):
        assert client.get("/t/conversion.gif?campaign=1", environ_base=CLIENT_IP).status_code == 200
    assert_limited(client.get("/t/conversion.gif?campaign=1", environ_base=CLIENT_IP))


def test_the_postback_is_limited_per_token(app, client, limit):
    limit("postback", "2 per minute")
    campaign, click = setup_click()
    url = f"/api/v1/postback?token={campaign.postback_token}&click_id={click.public_id}&currency=VND&amount=1000"
    for n in range(2):
        assert client.get(f"{url}&order_id=P{n}").status_code in (200, 201)
    refused = client.get(f"{url}&order_id=P9")
    assert_limited(refused)
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    other = client.get("/api/v1/postback?token=another-token&order_id=1")
    assert other.status_code == 401  # its own budget: refused for its token, not for the limit


def test_the_api_is_limited_per_key_with_a_json_answer(app, client, limit):
    limit("api", "2 per minute")
    _merchant, key = make_key()
    _other_merchant, other_key = make_key()
    for _ in range(2):
        assert client.get("/api/v1/conversions/999", headers={"Authorization": f"Bearer {key}"}).status_code == 404
    refused = client.get("/api/v1/conversions/999", headers={"Authorization": f"Bearer {key}"})
    assert_limited(refused)
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert client.get("/api/v1/conversions/999",
                      headers={"Authorization": f"Bearer {other_key}"}).status_code == 404


def test_guessing_api_keys_from_one_address_is_limited(client, limit):
    limit("api_per_ip", "3 per minute")
    for n in range(3):
        response = client.get("/api/v1/conversions/1", headers={"Authorization": f"Bearer guess-{n}"},
                              environ_base=CLIENT_IP)
        assert response.status_code == 401
    assert_limited(client.get("/api/v1/conversions/1", headers={"Authorization": "Bearer guess-9"},
                              environ_base=CLIENT_IP))
