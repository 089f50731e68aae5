"""The REST endpoints take a merchant's key; a read-only key reads but reports nothing."""
from tests import factories
from tests.conversion_helpers import setup_click
from tests.graphql_helpers import key_for


def _report(client, key, click):
    return client.post("/api/v1/conversions", headers={"Authorization": f"Bearer {key}"},
                       json={"click_id": click.public_id, "order_id": "A1", "amount": 150000, "currency": "VND"})


def test_a_read_only_key_cannot_report_a_conversion(client):
    campaign, click = setup_click()
    key = key_for(campaign.merchant, ["read"])
    refused = _report(client, key, click)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "insufficient_scope"
    assert client.get("/api/v1/conversions/1", headers={"Authorization": f"Bearer {key}"}).status_code == 404
    assert _report(client, key_for(campaign.merchant, ["write"]), click).status_code == 201


def test_keys_of_other_roles_are_refused_by_the_shop_endpoints(client):
    campaign, click = setup_click()
    for role in ("affiliate", "admin"):
        response = _report(client, key_for(factories.make_user(role)), click)
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
