"""Stripe Checkout webhooks: a paid Checkout session becomes a conversion, a refunded charge a refund.

Each merchant has an endpoint of their own (`MerchantProfile.webhook_token` in the URL) and pastes
that endpoint's signing secret here; `stripe.Webhook.construct_event` checks the signature and its
age. Every Stripe event takes effect once: a `processed_events` row (unique provider + event id) is
written in the transaction that records the effect, so a repeat finds it and changes nothing.

A conversion is recorded by `conversions.record_conversion`, which commits by itself and is already
idempotent on (campaign, order = Checkout session id); the event row and the payment intent the
refund will name are then written together. A crash in between leaves the conversion without its
event row, and Stripe's retry completes it.
"""
from dataclasses import dataclass

import stripe
from loguru import logger
from sqlalchemy import select, update

from app.extensions import db
from app.models.audit import ProcessedEvent
from app.models.campaigns import Campaign
from app.models.common import utcnow
from app.models.conversions import Conversion
from app.models.users import MerchantProfile
from app.money import exponent
from app.services.common.errors import ServiceError
from app.services.common.sql import insert_ignoring_duplicates
from app.services.conversions import record, refunds
from app.services.conversions.errors import ConversionError
from app.services.conversions.states import lock
from app.services.tracking import drain

PROVIDER = "stripe"
CHECKOUT_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
REFUND_EVENT = "charge.refunded"
# How Stripe writes amounts (docs.stripe.com/currencies): two decimals unless listed here. ISK is
# zero-decimal by ISO but written with two decimals by Stripe; from_stripe scales such cases.
STRIPE_ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
STRIPE_THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())


class WebhookError(ServiceError):
    """The webhook request was refused."""

    code = "invalid_request"


class UnknownEndpoint(WebhookError):
    """No webhook endpoint has this address."""

    code = "not_found"


class SecretMissing(WebhookError):
    """This endpoint has no signing secret yet: paste it on the integration page."""

    code = "signing_secret_missing"


class BadSignature(WebhookError):
    """The Stripe-Signature header is missing, wrong or too old."""

    code = "invalid_signature"


class MalformedEvent(WebhookError):
    """The event is not a Stripe event this endpoint can read."""

    code = "malformed_event"


@dataclass(frozen=True)
class Outcome:
    status: str  # processed | ignored | already_processed
    reason: str | None = None
    conversion_id: int | None = None
    refund_id: int | None = None


def handle(token: str | None, payload: bytes, signature: str | None) -> Outcome:
    """Verify one delivery to the endpoint `token` and apply its event."""
    merchant_id, secret = _endpoint(token)
    event = _verified(payload, signature, secret)
    event_id, event_type, obj = _parts(event)
    if event_type in CHECKOUT_EVENTS:
        return _checkout_paid(merchant_id, event_id, event_type, obj)
    if event_type == REFUND_EVENT:
        return _charge_refunded(merchant_id, event_id, obj)
    return Outcome("ignored", "event_type_not_handled")


def _endpoint(token) -> tuple[int, str]:
    profile = None
    if isinstance(token, str) and 0 < len(token) <= 64 and token.isprintable():
        profile = db.session.scalar(select(MerchantProfile).where(MerchantProfile.webhook_token == token))
    if profile is None:
        raise UnknownEndpoint()
    if not profile.stripe_webhook_secret:
        raise SecretMissing()
    return profile.user_id, profile.stripe_webhook_secret


def _verified(payload: bytes, signature: str | None, secret: str) -> dict:
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except stripe.SignatureVerificationError as exc:
        raise BadSignature() from exc
    except (ValueError, TypeError, AttributeError) as exc:
        # Undecodable bytes or JSON that is not an object (only reachable with a valid signature).
        raise MalformedEvent() from exc
    return event.to_dict()


def _parts(event: dict) -> tuple[str, str, dict]:
    event_id, event_type = _text(event.get("id")), _text(event.get("type"))
    obj = _mapping(event.get("data")).get("object")
    if not event_id or not event_type or not isinstance(obj, dict):
        raise MalformedEvent()
    return event_id, event_type, obj


def _checkout_paid(merchant_id: int, event_id: str, event_type: str, session: dict) -> Outcome:
    session_id = _text(session.get("id"))
    if not session_id:
        raise MalformedEvent()
    click_id = _text(session.get("client_reference_id")) or _text(_mapping(session.get("metadata")).get("aff_click_id"))
    if not click_id:
        return Outcome("ignored", "no_click_id")
    if session.get("payment_status") == "unpaid":
        # Paid later by a delayed method: checkout.session.async_payment_succeeded follows.
        return Outcome("ignored", "awaiting_payment")
    if _seen(event_id):
        return Outcome("already_processed")
    notes = f"{event_type} {session_id}"
    currency = _text(session.get("currency")).upper()
    amount = from_stripe(session.get("amount_total"), currency)
    if amount is None:
        return _refused(event_id, notes, "invalid_amount", session_id)
    email = _text(_mapping(session.get("customer_details")).get("email"), 254)
    email = email if "@" in email else None  # a doubtful email is dropped, never a reason to lose the order
    drain.lookup_click(click_id)  # a click of a moment ago may still wait in the click buffer
    try:
        conversion, _created = record.record_conversion(
            merchant_id=merchant_id, campaign_id=None, click_public_id=click_id, order_id=session_id,
            amount=amount, currency=currency, source="stripe", customer_email=email)
    except ConversionError as exc:
        db.session.rollback()
        return _refused(event_id, notes, exc.code, session_id)
    conversion_id = conversion.id
    if not _claim(event_id, f"{notes} conversion {conversion_id}"):
        db.session.rollback()
        return Outcome("already_processed")
    payment_intent = _reference(session.get("payment_intent"))
    if payment_intent:
        db.session.execute(update(Conversion).where(Conversion.id == conversion_id, Conversion.external_ref.is_(None))
                           .values(external_ref=payment_intent))
    db.session.commit()
    logger.info("stripe event {} recorded as conversion {}", event_id, conversion_id)
    return Outcome("processed", conversion_id=conversion_id)


def _charge_refunded(merchant_id: int, event_id: str, charge: dict) -> Outcome:
    charge_id = _text(charge.get("id"))
    if not charge_id:
        raise MalformedEvent()
    payment_intent = _reference(charge.get("payment_intent"))
    found = db.session.execute(
        select(Conversion.id, Conversion.currency).join(Campaign, Campaign.id == Conversion.campaign_id)
        .where(Conversion.external_ref == payment_intent, Campaign.merchant_id == merchant_id)
        .order_by(Conversion.id).limit(1)).first() if payment_intent else None
    if found is None:
        # Most charges of a shop never came through an affiliate.
        return Outcome("ignored", "unknown_payment")
    conversion_id = found.id
    if _seen(event_id):
        return Outcome("already_processed")
    notes = f"{REFUND_EVENT} {charge_id}"
    currency = _text(charge.get("currency")).upper()
    refunded = from_stripe(charge.get("amount_refunded"), currency)
    if refunded is None or currency != found.currency:
        return _refused(event_id, notes, "invalid_amount", charge_id)
    if not _claim(event_id, notes):
        db.session.rollback()
        return Outcome("already_processed")
    conversion = lock(conversion_id)  # refunds of one conversion are applied one at a time
    # amount_refunded is the charge's running total: apply what has not been recorded yet.
    missing = min(refunded, conversion.amount) - conversion.refunded_amount
    if missing <= 0:
        db.session.commit()
        return Outcome("ignored", "nothing_to_refund", conversion_id=conversion_id)
    try:
        # Keyed by the running total, so one level of refunding can never be applied twice.
        refund, _created = refunds.record_refund(
            conversion_id, missing, external_id=f"stripe:{charge_id}:{refunded}",
            reason=f"Refunded in Stripe (charge {charge_id})")
    except ConversionError as exc:
        db.session.rollback()
        return _refused(event_id, notes, exc.code, charge_id)
    db.session.commit()
    logger.info("stripe event {} recorded as refund {} of conversion {}", event_id, refund.id, conversion_id)
    return Outcome("processed", conversion_id=conversion_id, refund_id=refund.id)


def from_stripe(amount, currency: str) -> int | None:
    """Stripe's integer `amount` of `currency` in our minor units; None if it is not a usable amount."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0 or len(currency) != 3:
        return None
    try:
        ours = exponent(currency)
    except Exception:
        return None  # a code Babel does not know
    theirs = 0 if currency in STRIPE_ZERO_DECIMAL else 3 if currency in STRIPE_THREE_DECIMAL else 2
    if ours >= theirs:
        return amount * 10 ** (ours - theirs)
    step = 10 ** (theirs - ours)
    return amount // step if amount % step == 0 else None


def _seen(event_id: str) -> bool:
    return db.session.scalar(select(ProcessedEvent.id).where(
        ProcessedEvent.provider == PROVIDER, ProcessedEvent.event_id == event_id)) is not None


def _claim(event_id: str, notes: str) -> bool:
    """Insert the event's row unless it exists (no commit); False when another delivery got there first."""
    stmt = (insert_ignoring_duplicates(ProcessedEvent, ["provider", "event_id"])
            .values(provider=PROVIDER, event_id=event_id, notes=notes, created_at=utcnow())
            .returning(ProcessedEvent.id))
    return db.session.execute(stmt).scalar() is not None


def _refused(event_id: str, notes: str, code: str, object_id: str) -> Outcome:
    """A refusal is final (a retry would be refused the same way): remember the event, acknowledge it."""
    logger.warning("stripe event {} not recorded object={} code={}", event_id, object_id, code)
    claimed = _claim(event_id, f"{notes} refused: {code}")
    db.session.commit()
    return Outcome("ignored", code) if claimed else Outcome("already_processed")


def _text(value, limit: int = 255) -> str:
    if not isinstance(value, str):
        return ""
    value = value.strip()
    return value if 0 < len(value) <= limit and value.isprintable() else ""


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _reference(value) -> str:
    """An id Stripe sends either as a string or, when expanded, as an object with an `id`."""
    return _text(value.get("id")) if isinstance(value, dict) else _text(value)
