"""The platform's Stripe Connect webhook endpoint: accounts, transfers and bank payouts, signed by Stripe.

Separate from the merchants' Checkout endpoints: this one is the platform's own, with its own secret.
"""
from flask import jsonify, request

from app.blueprints.api import bp
from app.blueprints.api.routes import ApiError
from app.extensions import csrf
from app.services.common.webhook_events import WebhookError
from app.services.stripe_connect import webhooks
from app.services.stripe_connect.webhooks import EndpointNotConfigured

MESSAGES = {
    "not_configured": "This endpoint takes no events: STRIPE_CONNECT_WEBHOOK_SECRET is not set.",
    "invalid_signature": "The Stripe-Signature header is missing, does not match the payload or is too old.",
    "malformed_event": "The body is not a Stripe event.",
}


@csrf.exempt
@bp.post("/api/v1/stripe/connect/webhook")
def stripe_connect_webhook():
    """Stripe reports a change to a connected account, a transfer, or a payout to an affiliate's bank."""
    try:
        outcome = webhooks.handle(request.get_data(cache=False), request.headers.get("Stripe-Signature"))
    except WebhookError as exc:
        status = 503 if isinstance(exc, EndpointNotConfigured) else 400
        raise ApiError(status, exc.code, MESSAGES.get(exc.code, exc.message)) from exc
    response = jsonify({"status": outcome.status, "reason": outcome.reason})
    response.headers["Cache-Control"] = "no-store"
    return response
