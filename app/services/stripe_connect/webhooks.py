"""The platform's Connect webhook: Stripe's news about accounts, transfers and bank payouts.

One endpoint, signed with STRIPE_CONNECT_WEBHOOK_SECRET. Stripe sends the platform's own events
(`transfer.*`) and its connected accounts' events (`account.updated`, `payout.*`) from two dashboard
endpoints with a signing secret each, so the setting may hold both, comma-separated. Each handled event
takes effect once: its id is stored (unique per provider) in the transaction of its effect. Every
effect is stated as "bring our books in line with this object", so events arriving twice or out of
order (a reversal before the transfer's creation) end in the same state. Other events are acknowledged
and ignored; Stripe has no `transfer.paid` or `transfer.failed` any more.
"""
from dataclasses import dataclass

from flask import current_app
from loguru import logger
from sqlalchemy import select

from app.extensions import db
from app.models.money import PayoutRequest
from app.models.stripe_connect import StripePayoutItem
from app.services.common import webhook_events
from app.services.common.webhook_events import MalformedEvent, WebhookError
from app.services.payouts import states
from app.services.stripe_connect import accounts, bank_payouts, mail, outcomes, transfers

PROVIDER = "stripe_connect"
TRANSFER_EVENTS = ("transfer.created", "transfer.updated", "transfer.reversed")
BANK_PAYOUT_EVENTS = ("payout.paid", "payout.failed")
HANDLED = ("account.updated", *TRANSFER_EVENTS, *BANK_PAYOUT_EVENTS)


class EndpointNotConfigured(WebhookError):
    """STRIPE_CONNECT_WEBHOOK_SECRET is not set: this endpoint takes no events."""

    code = "not_configured"


@dataclass(frozen=True)
class Outcome:
    status: str  # processed | ignored | already_processed
    reason: str | None = None


def secrets() -> list[str]:
    return [s.strip() for s in current_app.config.get("STRIPE_CONNECT_WEBHOOK_SECRET", "").split(",") if s.strip()]


def verified(payload: bytes, signature: str | None) -> dict:
    keys = secrets()
    if not keys:
        raise EndpointNotConfigured()
    return webhook_events.verified_event(payload, signature, keys)


def handle(payload: bytes, signature: str | None) -> Outcome:
    event = verified(payload, signature)
    event_id, event_type = event.get("id"), event.get("type")
    obj = (event.get("data") or {}).get("object") if isinstance(event.get("data"), dict) else None
    created = event.get("created")
    if not isinstance(event_id, str) or not isinstance(event_type, str) or not isinstance(obj, dict) \
            or not isinstance(created, int):
        raise MalformedEvent()
    if event_type not in HANDLED:
        return Outcome("ignored", "event_type_not_handled")
    if not webhook_events.claim(PROVIDER, event_id, event_type):
        db.session.rollback()
        return Outcome("already_processed")
    after = []
    try:
        if event_type == "account.updated":
            reason = None if accounts.apply_update(obj, created) else "unknown_account"
        elif event_type in TRANSFER_EVENTS:
            reason = _transfer(obj, after)
        else:
            reason = _bank_payout(event.get("account"), obj, created, after)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    for deliver in after:
        try:
            deliver()
        except Exception:  # the effect is committed; a failing email must not make Stripe send it again
            logger.exception("stripe connect event {}: follow-up after the commit failed", event_id)
    logger.info("stripe connect event {} {}: {}", event_id, event_type, reason or "applied")
    return Outcome("ignored" if reason else "processed", reason)


def _transfer(transfer: dict, after: list) -> str | None:
    request_id = transfers.request_id_of(transfer)
    affiliate_id = db.session.scalar(select(PayoutRequest.affiliate_id).where(PayoutRequest.id == request_id)) \
        if request_id else None
    if affiliate_id is None or not transfer.get("id"):
        return "not_a_payout_transfer"
    states.lock_affiliate(affiliate_id)
    request = states.lock(request_id)
    if request.method != "stripe":
        return "not_a_stripe_payout"
    result = outcomes.adopt(request, transfer)
    if result.problem:
        after.append(lambda: mail.transfer_problem(request, transfer, result.problem))
        return "transfer_not_recorded"
    if result.newly_paid:
        # The run that made it died before recording it: close its item so the run page says what happened.
        item = db.session.scalar(select(StripePayoutItem).where(
            StripePayoutItem.payout_request_id == request.id, StripePayoutItem.outcome.in_(("sending", "retry_later")))
            .order_by(StripePayoutItem.id.desc()).limit(1))
        if item is not None:
            item.outcome, item.transfer_id = "sent", transfer["id"]
    after.append(lambda: outcomes.after_commit(result))
    return None


def _bank_payout(account_id, payout: dict, created: int, after: list) -> str | None:
    account = accounts.by_account_id(account_id) if isinstance(account_id, str) else None
    if account is None:
        return "unknown_account"
    row, newly_failed = bank_payouts.record(account, payout, created)
    if row is None:
        return "malformed_payout"
    if newly_failed:
        after.append(lambda: mail.bank_payout_failed(row))
    return None
