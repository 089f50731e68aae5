"""Shared setup for the pixel, Stripe webhook and integration page tests."""
import hashlib
import hmac
import json
import time
from contextlib import contextmanager
from datetime import timedelta

from loguru import logger

from app.models import utcnow
from tests import factories


def shop_click(merchant=None, **campaign_kw):
    """(campaign, click): a campaign of `merchant` (VND, 10 % unless told) and an approved affiliate's
    click made an hour ago."""
    campaign = factories.make_campaign(merchant, **campaign_kw)
    link = factories.make_link(campaign, factories.make_membership(campaign).affiliate)
    click = factories.make_click(link, created_at=utcnow() - timedelta(hours=1), ip="203.0.113.7",
                                 user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    return campaign, click


@contextmanager
def warnings_logged():
    """The messages loguru writes at WARNING or above inside the block."""
    messages = []
    sink = logger.add(lambda m: messages.append(m.record["message"]), level="WARNING")
    try:
        yield messages
    finally:
        logger.remove(sink)


def stripe_signature(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header, computed the way Stripe documents it: HMAC-SHA256 of "t.payload"."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def stripe_event(event_type: str, obj: dict, event_id: str) -> str:
    return json.dumps({"id": event_id, "object": "event", "type": event_type, "api_version": "2024-06-20",
                       "created": int(time.time()), "livemode": False, "data": {"object": obj}})
