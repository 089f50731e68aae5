import re

import pytest

from app.extensions import db
from app.models.api_keys import ApiKey
from app.services.accounts import api_keys
from tests import factories
from tests.routes.csrf import csrf_token

PAGE = "/settings/api-keys"


def create(client, label, access="write"):
    return client.post(PAGE, data={"label": label, "access": access, "csrf_token": csrf_token(client, PAGE)})


def test_merchant_creates_a_key_shown_once(client, login_as):
    merchant = login_as("merchant")
    response = create(client, "Main shop")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    raw = re.search(r'id="new-key-value" value="(ak_live_[^"]+)"', html).group(1)
    assert response.headers["Cache-Control"] == "no-store"
    key = api_keys.authenticate(raw)
    assert key is not None and key.user_id == merchant.id and key.label == "Main shop"
    assert key.scope_list == ["read", "write"]
    again = client.get(PAGE).get_data(as_text=True)
    assert raw not in again and key.prefix in again and "Main shop" in again


def test_label_is_required(client, login_as):
    login_as("merchant")
    response = create(client, "")
    assert response.status_code == 200
    assert "Give the key a name." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiKey)) == 0


def test_post_without_csrf_token_is_refused(client, login_as):
    login_as("merchant")
    assert client.post(PAGE, data={"label": "x"}).status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiKey)) == 0


def test_revoke_a_key(client, login_as):
    merchant = login_as("merchant")
    key, raw = api_keys.create_key(merchant.id, "shop")
    token = csrf_token(client, PAGE)
    response = client.post(f"{PAGE}/{key.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert api_keys.authenticate(raw) is None
    assert "Revoked" in client.get(PAGE).get_data(as_text=True)


def test_revoke_with_htmx_returns_the_list(client, login_as):
    merchant = login_as("merchant")
    key, _raw = api_keys.create_key(merchant.id, "shop")
    token = csrf_token(client, PAGE)
    response = client.post(f"{PAGE}/{key.id}/revoke", data={"csrf_token": token}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="api-key-list">')
    assert "HX-Request" in response.headers["Vary"]


def test_cannot_revoke_another_merchants_key(client, login_as):
    other = factories.make_user("merchant")
    key, raw = api_keys.create_key(other.id, "theirs")
    login_as("merchant")
    response = client.post(f"{PAGE}/{key.id}/revoke", data={"csrf_token": csrf_token(client, PAGE)})
    assert response.status_code == 404
    assert api_keys.authenticate(raw) is not None


def test_only_own_keys_are_listed(client, login_as):
    other = factories.make_user("merchant")
    api_keys.create_key(other.id, "Someone else's key")
    login_as("merchant")
    assert "Someone else's key" not in client.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize("role", ["affiliate", "admin"])
def test_every_role_makes_read_only_keys(client, login_as, role):
    user = login_as(role)
    html = create(client, "Sheet", access="read").get_data(as_text=True)
    raw = re.search(r'id="new-key-value" value="(ak_live_[^"]+)"', html).group(1)
    key = api_keys.authenticate(raw)
    assert key.user_id == user.id and key.scope_list == ["read"]
    assert "Read only" in client.get(PAGE).get_data(as_text=True)


def test_unknown_access_is_refused_beside_the_field(client, login_as):
    login_as("affiliate")
    response = create(client, "Sheet", access="admin")
    assert response.status_code == 200 and 'id="access-error"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiKey)) == 0


def test_an_admin_cannot_revoke_someone_elses_key(client, login_as):
    merchant = factories.make_user("merchant")
    key, raw = api_keys.create_key(merchant.id, "theirs")
    login_as("admin")
    response = client.post(f"{PAGE}/{key.id}/revoke", data={"csrf_token": csrf_token(client, PAGE)})
    assert response.status_code == 404
    assert api_keys.authenticate(raw) is not None


def test_the_account_page_links_to_the_keys(client, login_as):
    login_as("affiliate")
    assert f'href="{PAGE}"' in client.get("/settings").get_data(as_text=True)


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_htmx_get_returns_the_partial(client, login_as):
    login_as("merchant")
    response = client.get(PAGE, headers={"HX-Request": "true"})
    assert response.get_data(as_text=True).lstrip().startswith('<div id="api-key-list">')
    assert "HX-Request" in response.headers["Vary"]
