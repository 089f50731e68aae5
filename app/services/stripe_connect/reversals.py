"""Transfers taken back after payment: the amount returns to the affiliate's balance through the ledger.

Stripe reports a transfer's running total reversed (`amount_reversed`), in `transfer.reversed` and
`transfer.updated` events and in the transfer itself. Whatever part of that total is not yet in our
books is released by one `payout_release` entry keyed by the total, so an event seen twice, or a
reversal made here and then reported by its event, is counted once. A request reversed in full
becomes `reversed`; a partial reversal leaves it paid, with `reversed_amount` saying how much came back.
"""
import stripe
from loguru import logger

from app.extensions import db
from app.models.money import PayoutRequest
from app.money import format_money, from_stripe_units
from app.services.audit import trail
from app.services.payouts import states
from app.services.stripe_connect import client, mail
from app.services.stripe_connect.errors import NotAStripePayout, StripeRefused, StripeUnavailable


def apply(request: PayoutRequest, transfer: dict, actor_id: int | None = None, ip: str | None = None) -> int:
    """Bring the locked request in line with `transfer`'s reversed total (no commit); returns what came back now."""
    total = from_stripe_units(transfer.get("amount_reversed") or 0, request.currency)
    if total is None:
        logger.error("payout request {}: reversed amount {} of {} is not a whole amount", request.id,
                     transfer.get("amount_reversed"), request.currency)
        return 0
    if request.status != "paid" or total <= (request.reversed_amount or 0):
        return 0  # nothing new (a repeat, or already reversed in full)
    returned = states.apply_take_back(request, total, actor_id, ip, note=transfer.get("id"))
    logger.info("payout request {}: {} {} back from reversed transfer {}", request.id, returned, request.currency,
                transfer.get("id"))
    return returned


def reverse(request_id: int, actor_id: int, reason: str, ip: str | None = None) -> PayoutRequest:
    """An admin takes a paid Stripe payout back in full (the transfer is reversed in Stripe); commits.

    The reversal's idempotency key names the request and what was reversed before, so a double click
    reverses once; the reversed total is then read back from the transfer and applied.
    """
    reason = (reason or "").strip()[:500]
    request = db.session.get(PayoutRequest, request_id)
    if request is None or request.paid_method != "stripe" or not request.stripe_transfer_id \
            or request.status != "paid":
        raise NotAStripePayout()
    api = client.client()
    try:
        api.v1.transfers.reversals.create(
            request.stripe_transfer_id, {"metadata": {"payout_request_id": str(request.id), "reason": reason}},
            {"idempotency_key": f"payout-reversal-{request.id}-{request.reversed_amount or 0}"})
        transfer = api.v1.transfers.retrieve(request.stripe_transfer_id).to_dict()
    except stripe.StripeError as exc:
        logger.warning("reversal of payout request {} failed: {}", request_id, client.error_code(exc))
        if client.is_refusal(exc):
            raise StripeRefused(client.error_message(exc)) from exc
        raise StripeUnavailable() from exc
    try:
        states.lock_affiliate(request.affiliate_id)
        request = states.lock(request_id)
        returned = apply(request, transfer, actor_id, ip)
        if reason:
            trail.record("payout.reversal_reason", request, actor_id=actor_id, ip=ip, after={"reason": reason})
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    if returned:
        mail.payout_reversed(request, returned)
    logger.info("payout request {} reversed by {}: {}", request_id, actor_id,
                format_money(returned, request.currency, "en"))
    return request
