"""One payout request, one transfer: finding an earlier one, creating it at most once.

Every transfer carries `transfer_group` "payout-request-<id>", the same idempotency key and the request
id in its metadata. Stripe keeps an idempotency key's result for 24 hours (and keeps a 500 too), so a
request that may have been tried before is first looked up by its group, and whatever exists is adopted;
a new transfer is made only when none does. Nothing here writes to our database.
"""
from dataclasses import dataclass

import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l
from loguru import logger

from app.models.money import PayoutRequest
from app.money import from_stripe_units, to_stripe_units
from app.services.stripe_connect import client

# Stripe refusals that are about the platform, not the affiliate: the request waits for a later run.
PLATFORM_PROBLEMS = ("balance_insufficient", "platform_api_key_expired", "api_key_expired")


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent | failed | retry_later
    transfer: dict | None = None
    code: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class Payable:
    """What a transfer needs of a payout request."""

    id: int
    affiliate_id: int
    amount: int
    currency: str
    details: dict

    @classmethod
    def of(cls, request: PayoutRequest) -> "Payable":
        return cls(request.id, request.affiliate_id, request.amount, request.currency, dict(request.details or {}))


def group_of(request_id: int) -> str:
    return f"payout-request-{request_id}"


def idempotency_key(request_id: int) -> str:
    return f"payout-request-{request_id}"


def destination_of(request) -> str:
    return str((request.details or {}).get("stripe_account_id") or "")


def request_id_of(transfer: dict) -> int | None:
    """The payout request a transfer pays, from its metadata or its transfer group."""
    value = (transfer.get("metadata") or {}).get("payout_request_id")
    if not value:
        group = transfer.get("transfer_group") or ""
        value = group.removeprefix("payout-request-") if group.startswith("payout-request-") else ""
    return int(value) if str(value).isdigit() and 0 < int(value) < 2**31 else None


def params_of(request: Payable) -> dict:
    return {"amount": to_stripe_units(request.amount, request.currency), "currency": request.currency.lower(),
            "destination": destination_of(request), "transfer_group": group_of(request.id),
            "description": f"Payout request {request.id}",
            "metadata": {"payout_request_id": str(request.id), "affiliate_id": str(request.affiliate_id)}}


def mismatch(request: PayoutRequest, transfer: dict):
    """How `transfer` differs from what `request` should have paid (None when it is the right one)."""
    currency = str(transfer.get("currency") or "").upper()
    if currency != request.currency:
        return _l("currency %(found)s instead of %(expected)s", found=currency, expected=request.currency)
    if from_stripe_units(transfer.get("amount"), currency) != request.amount:
        return _l("amount %(found)s instead of %(expected)s (in Stripe's units)", found=transfer.get("amount"),
                  expected=to_stripe_units(request.amount, request.currency))
    if (transfer.get("destination") or "") != destination_of(request):
        return _l("destination %(found)s instead of %(expected)s", found=transfer.get("destination"),
                  expected=destination_of(request))
    return None


def find(request_id: int) -> dict | None:
    """The transfer already made for the request, if any (the oldest, should there ever be two)."""
    page = client.client().v1.transfers.list({"transfer_group": group_of(request_id), "limit": 10})
    found = [t.to_dict() for t in page.data]
    if len(found) > 1:
        logger.error("payout request {} has {} transfers in Stripe: {}", request_id, len(found),
                     ", ".join(t["id"] for t in found))
    return found[-1] if found else None


def send(request: Payable, *, look_first: bool) -> Outcome:
    """Make sure the request has its transfer; never raises for what Stripe answers.

    A transient failure (network, timeout, 409, 429, 5xx) is retried with backoff, each retry looking
    first for a transfer the failed try may have made; when tries run out the outcome is `retry_later`
    and the request waits, still processing, for the next run. Only a refusal of the create call itself
    is a `failed` outcome (and one about the platform's own account waits instead).
    """
    api = client.client()
    tries = max(1, int(current_app.config["STRIPE_RETRIES"]))
    look, last = look_first, None
    for attempt in range(1, tries + 1):
        if attempt > 1:
            client.pause(attempt - 1)
        if look:
            try:
                found = find(request.id)
            except stripe.StripeError as exc:
                last = exc
                if isinstance(exc, stripe.AuthenticationError):
                    break
                continue
            if found is not None:
                return Outcome("sent", found)
        try:
            made = api.v1.transfers.create(params_of(request), {"idempotency_key": idempotency_key(request.id)})
        except stripe.StripeError as exc:
            last = exc
            code = client.error_code(exc)
            if client.is_refusal(exc) and code not in PLATFORM_PROBLEMS:
                return Outcome("failed", None, code, client.error_message(exc))
            if isinstance(exc, stripe.AuthenticationError) or code in PLATFORM_PROBLEMS:
                break  # another try now would meet the same problem
            look = True  # the failed try may have made the transfer
            continue
        return Outcome("sent", made.to_dict())
    logger.warning("payout request {}: Stripe did not answer ({}); it waits for the next run", request.id,
                   client.error_code(last) if last else "-")
    return Outcome("retry_later", None, client.error_code(last) if last else "unknown",
                   client.error_message(last) if last else None)
