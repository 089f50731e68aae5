"""Cursor pages, the depth and cost limits, introspection, and the per-key rate limit of /graphql."""
import pytest

from app.blueprints.graphql import schema
from app.config import ProductionConfig
from tests import factories
from tests.graphql_helpers import URL, ask, data, error, key_for
from tests.routes.test_rate_limits import assert_limited, limit  # noqa: F401  (fixture)

PAGE = "query($after: String) { campaigns(first: 2, after: $after) { edges { cursor node { id } } " \
       "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"


def test_cursor_pages_walk_every_row_once_newest_first(client):
    merchant = factories.make_user("merchant")
    made = [factories.make_campaign(merchant).id for _ in range(5)]
    key = key_for(merchant, ["read"])
    seen, after, pages = [], None, 0
    while True:
        page = data(client, PAGE, {"after": after}, key=key)["campaigns"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        info = page["pageInfo"]
        assert info["hasPreviousPage"] == (after is not None)
        assert info["endCursor"] == page["edges"][-1]["cursor"]
        pages += 1
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert seen == sorted(made, reverse=True) and pages == 3


@pytest.mark.parametrize(("variables", "field"), [({"after": "bm9wZQ"}, "after"), ({"after": "!!"}, "after")])
def test_a_forged_cursor_is_a_validation_error(client, variables, field):
    key = key_for(factories.make_user("merchant"), ["read"])
    refused = error(client, PAGE, variables, key=key)
    assert refused["code"] == "INVALID_CURSOR" and refused["field"] == field


@pytest.mark.parametrize("first", [0, -1, 101])
def test_page_size_is_1_to_100(client, first):
    key = key_for(factories.make_user("merchant"), ["read"])
    refused = error(client, "query($n: Int) { campaigns(first: $n) { nodes { id } } }", {"n": first}, key=key)
    assert refused["code"] == "INVALID_PAGE_SIZE" and refused["field"] == "first"


def test_a_query_nested_too_deep_is_refused_before_it_runs(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "GRAPHQL_MAX_DEPTH", 4)
    monkeypatch.setitem(app.extensions, "graphql_schema", schema.build(app.config))
    key = key_for(factories.make_user("merchant"), ["read"])
    shallow = "{ campaigns { nodes { merchant { id } } } }"
    deep = "{ conversions { edges { node { campaign { merchant { id } } } } } }"
    assert ask(client, shallow, key=key).status_code == 200
    response = ask(client, deep, key=key)
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["extensions"]["code"] == "DEPTH_LIMIT_EXCEEDED"
    via_fragment = "query { conversions { ...C } } fragment C on ConversionConnection " \
                   "{ edges { node { campaign { merchant { id } } } } }"
    assert ask(client, via_fragment, key=key).get_json()["errors"][0]["extensions"]["code"] == "DEPTH_LIMIT_EXCEEDED"


def test_a_query_asking_for_too_many_rows_is_refused(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "GRAPHQL_MAX_COST", 500)
    monkeypatch.setitem(app.extensions, "graphql_schema", schema.build(app.config))
    key = key_for(factories.make_user("admin"), ["read"])
    cheap = "{ conversions(first: 10) { nodes { id campaign { id } } } }"
    nested = "{ a: conversions(first: 100) { nodes { id amount currency status campaign { id name currency } } } }"
    assert ask(client, cheap, key=key).status_code == 200
    refused = ask(client, nested, key=key).get_json()["errors"][0]["extensions"]
    assert refused["code"] == "COST_LIMIT_EXCEEDED" and refused["cost"] > refused["maxCost"] == 500


def test_introspection_is_off_outside_development(client, app, monkeypatch):
    key = key_for(factories.make_user("merchant"), ["read"])
    query = "{ __schema { types { name } } }"
    assert ask(client, query, key=key).status_code == 400
    monkeypatch.setitem(app.config, "GRAPHQL_EXPLORER", True)
    monkeypatch.setitem(app.extensions, "graphql_schema", schema.build(app.config))
    assert data(client, query, key=key)["__schema"]["types"]


def test_graphql_is_limited_per_key_with_retry_after(client, limit):  # noqa: F811
    limit("graphql", "2 per minute")
    key = key_for(factories.make_user("affiliate"), ["read"])
    other = key_for(factories.make_user("affiliate"), ["read"])
    for _ in range(2):
        assert ask(client, "{ me { id } }", key=key).status_code == 200
    refused = ask(client, "{ me { id } }", key=key)
    assert_limited(refused)
    body = refused.get_json()["errors"][0]["extensions"]
    assert body["code"] == "RATE_LIMITED" and body["retryAfter"] >= 1
    assert ask(client, "{ me { id } }", key=other).status_code == 200


def test_a_signed_in_browser_is_limited_per_person(client, login_as, limit):  # noqa: F811
    limit("graphql", "1 per minute")
    login_as("merchant")
    assert client.get(URL, query_string={"query": "{ me { id } }"}).status_code == 200
    assert_limited(client.get(URL, query_string={"query": "{ me { id } }"}))


def test_the_explorer_page_is_for_development_only(client, app, monkeypatch):
    html = {"Accept": "text/html"}
    response = client.get(URL, headers=html)
    assert response.status_code == 400 and response.get_json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    monkeypatch.setitem(app.config, "GRAPHQL_EXPLORER", True)
    page = client.get(URL, headers=html)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="graphiql"' in text and "<script>" not in text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_production_never_turns_the_explorer_on():
    assert ProductionConfig.GRAPHQL_EXPLORER is False
