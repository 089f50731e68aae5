"""Who may call /graphql: API keys of every role, signed-in browsers with their CSRF token, nobody else."""
import pytest

from app.extensions import db
from app.services.accounts import api_keys
from tests import factories
from tests.graphql_helpers import URL, ask, data, key_for
from tests.routes.csrf import csrf_token

ME = "{ me { id role scopes authenticatedBy } }"


@pytest.mark.parametrize("role", ["admin", "merchant", "affiliate"])
def test_every_role_authenticates_with_a_bearer_key(client, role):
    user = factories.make_user(role)
    key = key_for(user, ["read"])
    me = data(client, ME, key=key)["me"]
    assert me == {"id": user.id, "role": role, "scopes": ["read"], "authenticatedBy": "api_key"}


@pytest.mark.parametrize("header", [None, "Bearer ak_live_wrong", "Basic dXNlcjpwYXNz", "Bearer "])
def test_without_a_valid_key_the_answer_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.post(URL, json={"query": ME}, headers=headers)
    assert response.status_code == 401 and "Bearer" in response.headers["WWW-Authenticate"]
    assert response.get_json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_revoked_key_stops_at_once(client):
    user = factories.make_user("affiliate")
    key, raw = api_keys.create_key(user.id, "sheet", ["read"])
    assert ask(client, ME, key=raw).status_code == 200
    api_keys.revoke(key.id, user.id)
    assert ask(client, ME, key=raw).status_code == 401


def test_a_disabled_accounts_keys_stop(client):
    user = factories.make_user("merchant")
    raw = key_for(user)
    user.is_disabled = True
    db.session.commit()
    assert ask(client, ME, key=raw).status_code == 401


def test_a_key_records_when_it_was_last_used(client):
    user = factories.make_user("affiliate")
    key, raw = api_keys.create_key(user.id, "sheet", ["read"])
    assert key.last_used_at is None
    ask(client, ME, key=raw)
    assert api_keys.list_keys(user.id)[0].last_used_at is not None


def test_a_signed_in_browser_queries_with_its_csrf_token(client, login_as):
    user = login_as("affiliate")
    token = csrf_token(client, "/")
    response = ask(client, ME, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.get_json()["data"]["me"] == {"id": user.id, "role": "affiliate", "scopes": ["read", "write"],
                                                 "authenticatedBy": "session"}


def test_a_browser_post_without_the_csrf_token_is_refused(client, login_as):
    login_as("affiliate")
    response = ask(client, ME)
    assert response.status_code == 403
    assert response.get_json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"


def test_a_browser_may_read_by_get(client, login_as):
    user = login_as("merchant")
    response = client.get(URL, query_string={"query": "{ me { id } }"})
    assert response.status_code == 200 and response.get_json()["data"]["me"]["id"] == user.id


def test_get_never_runs_a_mutation(client):
    key = key_for(factories.make_user("affiliate"))
    response = client.get(URL, query_string={"query": "mutation { leaveCampaign(campaignId: 1) { id } }"},
                          headers={"Authorization": f"Bearer {key}"})
    assert response.status_code in (400, 405) and response.get_json()["errors"]


def test_a_key_in_the_url_is_not_accepted(client):
    key = key_for(factories.make_user("affiliate"))
    response = client.get(URL, query_string={"query": ME, "api_key": key})
    assert response.status_code == 401


@pytest.mark.parametrize(("body", "content_type"), [
    ("not json", "application/json"), ("[1, 2]", "application/json"), ('{"query": ""}', "application/json"),
    ('{"query": "{ me { id } }", "variables": [1]}', "application/json"), ("query=1", "text/plain"),
])
def test_malformed_requests_are_400_not_500(client, body, content_type):
    key = key_for(factories.make_user("affiliate"))
    response = client.post(URL, data=body, content_type=content_type, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code in (400, 415)
    assert response.get_json()["errors"][0]["extensions"]["code"]


def test_a_query_that_does_not_fit_the_schema_is_400_with_a_code(client):
    key = key_for(factories.make_user("affiliate"))
    response = ask(client, "{ me { password } }", key=key)
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
