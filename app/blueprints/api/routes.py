"""The JSON API for shops: server-to-server conversions, refunds and the GET postback.

Errors are always `{"error": {"code", "message", "field"}}`. Authentication is a merchant's API key
in `Authorization: Bearer …` (never in a URL), or a campaign's postback token for the postback.
"""
from functools import wraps

from flask import g, jsonify, request, url_for
from loguru import logger
from werkzeug.exceptions import MethodNotAllowed

from app.blueprints.api import bp, schema
from app.blueprints.api.schema import SchemaError
from app.blueprints.api.serialize import conversion_json, refund_json
from app.extensions import csrf
from app.rate_limits import per_api_key, per_postback_token, rate_limited
from app.services.accounts import api_keys
from app.services.conversions import record, refunds
from app.services.conversions.errors import (
    ConversionError,
    ConversionNotFound,
    InvalidPostbackToken,
    InvalidTransition,
    OrderConflict,
    RefundConflict,
    RefundNotAllowed,
    TrackingTestReceived,
    UnknownClick,
)

# Query parameters that look like a credential: refused so a key never ends up in access logs.
KEY_PARAMS = ("api_key", "apikey", "key", "access_token")
MAX_BODY = 64 * 1024
# A test conversion was received (202) and shown to the merchant, but nothing was recorded.
STATUS = {UnknownClick: 404, ConversionNotFound: 404, InvalidPostbackToken: 401, OrderConflict: 409,
          RefundConflict: 409, RefundNotAllowed: 409, InvalidTransition: 409, TrackingTestReceived: 202}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}


def _error_body(code: str, message: str, field: str | None):
    return {"error": {"code": code, "message": message, "field": field}}


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    response = jsonify(_error_body(error.code, error.message, error.field))
    response.headers.update(error.headers)
    response.headers["Cache-Control"] = "no-store"
    return response, error.status


@bp.errorhandler(ConversionError)
def conversion_error(error: ConversionError):
    status = next((code for cls, code in STATUS.items() if isinstance(error, cls)), 422)
    headers = {"WWW-Authenticate": 'Token realm="postback"'} if status == 401 else None
    return api_error(ApiError(status, error.code, error.message, error.field, headers))


@bp.before_request
def refuse_key_in_query():
    if request.path.startswith("/api/") and any(name in request.args for name in KEY_PARAMS):
        # The value is not logged: it may be a live key.
        logger.warning("API request with a credential in its query string refused path={}", request.path)
        raise ApiError(400, "key_in_query", "Send the API key in the Authorization header "
                                            "(Authorization: Bearer <key>), never in the URL.")


def api_key_required(view):
    """The merchant's API key from `Authorization: Bearer …`, within the per-key and per-address rate limits."""

    @rate_limited("api_per_ip")
    @rate_limited("api", key=per_api_key)
    @wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, raw = request.headers.get("Authorization", "").strip().partition(" ")
        if not scheme:
            raise ApiError(401, "missing_api_key", "Send your API key: Authorization: Bearer <key>.",
                           headers={"WWW-Authenticate": 'Bearer realm="api"'})
        key = api_keys.authenticate(raw.strip()) if scheme.lower() == "bearer" else None
        if key is None:
            raise ApiError(401, "invalid_api_key", "The API key is wrong or has been revoked.",
                           headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})
        if key.user.role != "merchant":
            raise ApiError(403, "forbidden", "These endpoints take a merchant's API key.")
        if request.method not in ("GET", "HEAD") and not key.allows("write"):
            raise ApiError(403, "insufficient_scope", "This API key may only read; make a key with the write scope.",
                           headers={"WWW-Authenticate": 'Bearer realm="api", error="insufficient_scope", '
                                                        'scope="write"'})
        g.api_key = key
        return view(*args, **kwargs)

    return wrapped


def _json_body() -> dict:
    if (request.content_length or 0) > MAX_BODY:
        raise ApiError(413, "too_large", "The request body is too large.")
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send a JSON body with Content-Type: application/json.")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "The body must be a JSON object.")
    return data


def _checked(check, data, order_id=None) -> dict:
    try:
        return check(data)
    except SchemaError as exc:
        if order_id is not None:
            logger.warning("conversion tracking failed order_id={!r} code={} field={}",
                           str(order_id)[:255], exc.code, exc.field)
        raise ApiError(422, exc.code, exc.message, exc.field) from exc


def _reply(body: dict, created: bool, location: str):
    response = jsonify(body)
    response.status_code = 201 if created else 200
    if created:
        response.headers["Location"] = location
    response.headers["Cache-Control"] = "no-store"
    return response


def _conversion_reply(conversion, created: bool):
    return _reply(conversion_json(conversion), created,
                  url_for("api.get_conversion", conversion_id=conversion.id))


def _owned_conversion(conversion_id: int):
    conversion = record.get_for_merchant(conversion_id, g.api_key.user_id)
    if conversion is None:
        raise ApiError(404, "not_found", "No such conversion.")
    return conversion


@csrf.exempt
@bp.post("/api/v1/conversions")
@api_key_required
def create_conversion():
    """A shop's server reports an order: 201 when recorded, 200 with the same body on a repeat."""
    body = _json_body()
    data = _checked(schema.conversion_input, body, order_id=body.get("order_id", "-"))
    conversion, created = record.record_conversion(
        merchant_id=g.api_key.user_id, campaign_id=None, click_public_id=data["click_id"],
        order_id=data["order_id"], amount=data["amount"], currency=data["currency"], source="api",
        customer_email=data["customer_email"], ip=request.remote_addr)
    return _conversion_reply(conversion, created)


@bp.get("/api/v1/conversions/<int:conversion_id>")
@api_key_required
def get_conversion(conversion_id: int):
    """One of the merchant's conversions, with its current status."""
    return _reply(conversion_json(_owned_conversion(conversion_id)), False, "")


@csrf.exempt
@bp.post("/api/v1/conversions/<int:conversion_id>/refunds")
@api_key_required
def create_refund(conversion_id: int):
    """Refund all or part of an order; a repeated refund_id returns the first refund with 200."""
    data = _checked(schema.refund_input, _json_body())
    conversion = _owned_conversion(conversion_id)
    refund, created = refunds.record_refund(
        conversion.id, data["amount"], actor_id=g.api_key.user_id, external_id=data["refund_id"],
        reason=data["reason"], ip=request.remote_addr)
    return _reply(refund_json(refund), created, url_for("api.get_conversion", conversion_id=conversion.id))


@bp.get("/api/v1/postback")
@rate_limited("postback", key=per_postback_token)
def postback():
    """For shops that can only fire a URL: a conversion in the campaign the token belongs to."""
    if request.method == "HEAD":
        # Link checkers and prefetchers send HEAD; only a real GET records an order.
        raise MethodNotAllowed(valid_methods=["GET"])
    campaign_id = record.postback_campaign_id(request.args.get("token"))
    data = _checked(schema.postback_input, request.args, order_id=request.args.get("order_id", "-"))
    conversion, created = record.record_conversion(
        merchant_id=None, campaign_id=campaign_id, click_public_id=data["click_id"], order_id=data["order_id"],
        amount=data["amount"], currency=data["currency"], source="postback",
        customer_email=data["customer_email"], ip=request.remote_addr)
    return _conversion_reply(conversion, created)
