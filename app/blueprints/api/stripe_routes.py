"""The Stripe Checkout webhook endpoint: one address per merchant, every delivery signed by Stripe."""
from flask import jsonify, request

from app.blueprints.api import bp
from app.blueprints.api.routes import ApiError
from app.extensions import csrf
from app.services.conversions import stripe_checkout
from app.services.conversions.stripe_checkout import UnknownEndpoint, WebhookError

MESSAGES = {
    "not_found": "No webhook endpoint has this address.",
    "signing_secret_missing": "This endpoint has no signing secret yet: paste it on the integration page.",
    "invalid_signature": "The Stripe-Signature header is missing, does not match the payload or is too old.",
    "malformed_event": "The body is not a Stripe event.",
}


@csrf.exempt
@bp.post("/api/v1/stripe/webhook/<token>")
def stripe_webhook(token: str):
    """Stripe reports a completed Checkout session (a conversion) or a refunded charge (a refund)."""
    try:
        outcome = stripe_checkout.handle(token, request.get_data(cache=False),
                                         request.headers.get("Stripe-Signature"))
    except WebhookError as exc:
        status = 404 if isinstance(exc, UnknownEndpoint) else 400
        raise ApiError(status, exc.code, MESSAGES.get(exc.code, exc.message)) from exc
    body = {"status": outcome.status, "reason": outcome.reason}
    if outcome.conversion_id is not None:
        body["conversion_id"] = outcome.conversion_id
    if outcome.refund_id is not None:
        body["refund_id"] = outcome.refund_id
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response
