"""The OpenAPI 3.1 document of the REST API, drawn from the pydantic models the endpoints check and answer with.

The operations are listed here by hand (path, method, statuses); every body and parameter schema comes
from `schema.py` and `responses.py`, so what is documented is what is checked.
"""
from functools import cache

from pydantic.json_schema import models_json_schema

from app.blueprints.api.responses import Conversion, Error, Refund, StripeOutcome, WebhookDelivery
from app.blueprints.api.schema import MAX_AMOUNT, ConversionInput, RefundInput
from app.ids import ID_MAX
from app.services.webhooks import events

REF = "#/components/schemas/{model}"

ERROR_TEXT = {
    400: "Malformed request: the body is not a JSON object, or a credential was put in the URL (key_in_query).",
    401: "Missing, wrong or revoked credential.",
    404: "No such object for this key, or an unknown click id (unknown_click, field click_id).",
    409: "Conflict: the same order with other values, or a refund that is not allowed.",
    413: "The body is larger than 64 KiB.",
    415: "The body is not sent as application/json.",
    422: "A field is missing or not valid: `code` and `field` say which and why.",
    429: "Too many requests for this key or address; wait the seconds in Retry-After.",
    503: "The endpoint is not configured on this server.",
}


def _ref(model) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _responses(ok: dict, *errors: int) -> dict:
    answers = dict(ok)
    for status in errors:
        answers[str(status)] = {"description": ERROR_TEXT[status], "content": _json(_ref(Error))}
        if status == 429:
            answers[str(status)]["headers"] = {"Retry-After": {
                "description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 1}}}
    return answers


def _recorded(model, what: str) -> dict:
    return {"201": {"description": f"{what} recorded.", "content": _json(_ref(model)),
                    "headers": {"Location": {"description": "Where to read the conversion.",
                                             "schema": {"type": "string"}}}},
            "200": {"description": f"The same {what.lower()} sent again: nothing changed, the first answer repeated.",
                    "content": _json(_ref(model))}}


def _postback_parameters(schemas: dict) -> list[dict]:
    fields = schemas[ConversionInput.__name__]
    required = set(fields.get("required", ()))
    parameters = [{"name": "token", "in": "query", "required": True,
                   "description": "The campaign's postback token (integration page).", "schema": {"type": "string"}}]
    for name, schema in fields["properties"].items():
        schema = dict(schema)
        if name == "amount":
            # In a URL the amount is written as digits.
            schema = {"type": "integer", "minimum": 0, "maximum": MAX_AMOUNT, "description": schema.get("description")}
        if "anyOf" in schema:
            # A query string has no null: an absent parameter is the null.
            kinds = [kind for kind in schema.pop("anyOf") if kind != {"type": "null"}]
            schema.update(kinds[0] if len(kinds) == 1 else {"anyOf": kinds})
        schema.pop("default", None)
        schema.pop("title", None)
        parameters.append({"name": name, "in": "query", "required": name in required,
                           "description": schema.pop("description", None) or name, "schema": schema})
    return parameters


CONVERSION_ID = {"name": "conversion_id", "in": "path", "required": True, "description": "The conversion's id.",
                 "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX}}
STRIPE_SIGNATURE = {"name": "Stripe-Signature", "in": "header", "required": False,
                    "description": "Stripe's signature of the body; a missing or wrong one is refused with 400.",
                    "schema": {"type": "string"}}
STRIPE_EVENT = {"required": True, "description": "A Stripe event, exactly as Stripe sends it.",
                "content": _json({"type": "object"})}
API_KEY = [{"apiKey": []}]


def _paths(schemas: dict) -> dict:
    return {
        "/api/v1/conversions": {"post": {
            "operationId": "createConversion", "tags": ["Conversions"], "security": API_KEY,
            "summary": "Report an order from the shop's server",
            "description": "Records the conversion for the affiliate whose click the order came from. Idempotent "
                           "per campaign and order_id: the same order again answers 200 with the first answer; "
                           "the same order with another amount, currency or click answers 409.",
            "requestBody": {"required": True, "content": _json(_ref(ConversionInput))},
            "responses": _responses(_recorded(Conversion, "Conversion"), 400, 401, 404, 409, 413, 415, 422, 429)}},
        "/api/v1/conversions/{conversion_id}": {"get": {
            "operationId": "getConversion", "tags": ["Conversions"], "security": API_KEY,
            "summary": "Read one of your conversions", "parameters": [CONVERSION_ID],
            "responses": _responses({"200": {"description": "The conversion with its current status.",
                                             "content": _json(_ref(Conversion))}}, 400, 401, 404, 429)}},
        "/api/v1/conversions/{conversion_id}/refunds": {"post": {
            "operationId": "createRefund", "tags": ["Conversions"], "security": API_KEY,
            "summary": "Refund all or part of an order",
            "description": "Takes back the matching share of the commission with a reversing ledger entry. "
                           "A repeated refund_id answers 200 with the first refund.",
            "parameters": [CONVERSION_ID], "requestBody": {"required": True, "content": _json(_ref(RefundInput))},
            "responses": _responses(_recorded(Refund, "Refund"), 400, 401, 404, 409, 413, 415, 422, 429)}},
        "/api/v1/postback": {"get": {
            "operationId": "postback", "tags": ["Conversions"],
            "summary": "Report an order by calling a URL",
            "description": "For shop systems that can only call a web address. The token can only record orders "
                           "in its own campaign; it is not an API key.",
            "parameters": _postback_parameters(schemas),
            "responses": _responses(_recorded(Conversion, "Conversion"), 400, 401, 404, 409, 422, 429)}},
        "/api/v1/stripe/webhook/{token}": {"post": {
            "operationId": "stripeCheckoutWebhook", "tags": ["Stripe"],
            "summary": "Stripe Checkout events of one merchant",
            "description": "checkout.session.completed records a conversion (click id in client_reference_id or "
                           "metadata.aff_click_id); charge.refunded records a refund. Other events are ignored.",
            "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"},
                            "description": "The merchant's webhook address token."}, STRIPE_SIGNATURE],
            "requestBody": STRIPE_EVENT,
            "responses": _responses({"200": {"description": "Processed, ignored (with the reason) or already "
                                                            "processed.", "content": _json(_ref(StripeOutcome))}},
                                    400, 404)}},
        "/api/v1/stripe/connect/webhook": {"post": {
            "operationId": "stripeConnectWebhook", "tags": ["Stripe"],
            "summary": "Stripe Connect events of the platform",
            "description": "Connected accounts, transfers and payouts to affiliates' banks.",
            "parameters": [STRIPE_SIGNATURE], "requestBody": STRIPE_EVENT,
            "responses": _responses({"200": {"description": "Processed, ignored or already processed.",
                                             "content": _json(_ref(StripeOutcome))}}, 400, 503)}},
    }


SIGNATURE = {"name": "X-Webhook-Signature", "in": "header", "required": True, "schema": {"type": "string"},
             "description": "t=<unix time>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\" with the endpoint's secret>."}


def _webhooks() -> dict:
    """What this app sends to the endpoints people register (OpenAPI 3.1 `webhooks`)."""
    return {name: {"post": {
        "operationId": "webhook_" + name.replace(".", "_"), "tags": ["Webhooks"],
        "summary": f"{name} sent to your endpoint",
        "parameters": [SIGNATURE, {"name": "X-Webhook-Id", "in": "header", "required": True,
                                   "schema": {"type": "string"}, "description": "The event's id."}],
        "requestBody": {"required": True, "content": _json(_ref(WebhookDelivery))},
        "responses": {"2XX": {"description": "Received. Any other answer, or none within the timeout, is "
                                             "retried for a day."}}}}
        for name in (*events.ALL_EVENTS, events.TEST_EVENT)}


@cache
def _components() -> dict:
    _, top = models_json_schema([(ConversionInput, "validation"), (RefundInput, "validation"),
                                 (Conversion, "serialization"), (Refund, "serialization"),
                                 (Error, "serialization"), (StripeOutcome, "serialization"),
                                 (WebhookDelivery, "serialization")], ref_template=REF)
    return top["$defs"]


def document(base_url: str) -> dict:
    """The whole document, with `base_url` as its server."""
    schemas = _components()
    return {
        "openapi": "3.1.0",
        "info": {"title": "Affiliate program API", "version": "1.0.0",
                 "description": "Server-to-server conversions, refunds, the postback URL and Stripe webhooks. "
                                "Amounts are integers in the currency's minor unit. Every error is "
                                "`{\"error\": {\"code\", \"message\", \"field\"}}`."},
        "servers": [{"url": base_url}],
        "paths": _paths(schemas),
        "webhooks": _webhooks(),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer",
                           "description": "A merchant API key: Authorization: Bearer <key>. Never put it in a URL."},
            },
        },
    }
