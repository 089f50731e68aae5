"""Talking to Stripe: one client built from the settings, and which of its errors deserve another try.

Retries are ours, not the library's (`max_network_retries=0`): a payout's retry must first look for
the transfer the failed attempt may have made, and a rate limit (429) is retried too.
"""
import os
import random
import threading
import time

import requests
import stripe
from flask import current_app

from app.services.stripe_connect.errors import StripeNotConfigured


def configured() -> bool:
    return bool(current_app.config.get("STRIPE_API_KEY"))


_clients = threading.local()


def client() -> stripe.StripeClient:
    """The Stripe client for the current settings, one per thread (a run sends from several), built once and
    reused: it keeps its connections open.

    Its HTTP session does not read proxy settings from the environment on every call (that costs a
    millisecond per request); a proxy in HTTPS_PROXY is passed to it once, here.
    """
    config = current_app.config
    if not config.get("STRIPE_API_KEY"):
        raise StripeNotConfigured()
    settings = (config["STRIPE_API_KEY"], config["STRIPE_API_BASE"], config["STRIPE_TIMEOUT"])
    cached = getattr(_clients, "cached", None)
    if cached is None or cached[0] != settings:
        session = requests.Session()
        session.trust_env = False
        proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy") or None
        http = stripe.RequestsClient(timeout=(min(10.0, settings[2]), settings[2]), session=session, proxy=proxy)
        made = stripe.StripeClient(settings[0], base_addresses={"api": settings[1], "connect": settings[1]},
                                   max_network_retries=0, http_client=http)
        cached = (settings, made)
        _clients.cached = cached
    return cached[1]


def is_transient(exc: Exception) -> bool:
    """A network failure, a rate limit, a conflict or a Stripe-side error: the same call may succeed later."""
    if isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)):
        return True
    status = getattr(exc, "http_status", None)
    return isinstance(exc, stripe.StripeError) and (status is None or status == 409 or status >= 500)


def is_refusal(exc: Exception) -> bool:
    """Stripe looked at the request and said no (a 4xx about the request itself): another try gets the same no.

    An idempotency error is not one: it means our own earlier attempt is on record, so the transfer is looked
    up instead of the request being given up.
    """
    return (isinstance(exc, (stripe.InvalidRequestError, stripe.PermissionError, stripe.CardError))
            and not isinstance(exc, stripe.IdempotencyError))


def error_code(exc: Exception) -> str:
    body = getattr(exc, "json_body", None) or {}
    error = body.get("error") if isinstance(body, dict) else None
    code = getattr(exc, "code", None) or (error.get("code") if isinstance(error, dict) else None)
    if code:
        return str(code)
    status = getattr(exc, "http_status", None)
    return f"http_{status}" if status else exc.__class__.__name__


def error_message(exc: Exception) -> str:
    message = getattr(exc, "user_message", None) or str(exc) or exc.__class__.__name__
    return message[:500]


def backoff(attempt: int) -> float:
    """Seconds to wait before try `attempt + 1`: doubling from STRIPE_RETRY_DELAY, with jitter, at most 30 s."""
    base = float(current_app.config["STRIPE_RETRY_DELAY"])
    return min(30.0, base * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)


def pause(attempt: int) -> None:
    delay = backoff(attempt)
    if delay > 0:
        time.sleep(delay)
