"""Signed Stripe events for the webhook tests (the click to convert comes from tests.conversion_helpers)."""
import hashlib
import hmac
import json
import time


def stripe_signature(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header, computed the way Stripe documents it: HMAC-SHA256 of "t.payload"."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def stripe_event(event_type: str, obj: dict, event_id: str) -> str:
    return json.dumps({"id": event_id, "object": "event", "type": event_type, "api_version": "2024-06-20",
                       "created": int(time.time()), "livemode": False, "data": {"object": obj}})
