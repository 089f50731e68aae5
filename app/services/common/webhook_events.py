"""Stripe webhook deliveries: checking their signature, and remembering the events already handled (one
row per provider and event id), so each event takes effect once."""
import stripe
from sqlalchemy import select

from app.extensions import db
from app.models.audit import ProcessedEvent
from app.models.common import utcnow
from app.services.common.errors import ServiceError
from app.services.common.sql import insert_ignoring_duplicates


class WebhookError(ServiceError):
    """The webhook request was refused."""

    code = "invalid_request"


class BadSignature(WebhookError):
    """The Stripe-Signature header is missing, wrong or too old."""

    code = "invalid_signature"


class MalformedEvent(WebhookError):
    """The event is not a Stripe event this endpoint can read."""

    code = "malformed_event"


def verified_event(payload: bytes, signature: str | None, secrets: list[str]) -> dict:
    """The event in `payload`, once `stripe.Webhook.construct_event` finds it signed, recently, with one of
    `secrets` (an endpoint's secret, or the secrets of the dashboard endpoints that deliver to one URL)."""
    for secret in secrets:
        try:
            return stripe.Webhook.construct_event(payload, signature, secret).to_dict()
        except stripe.SignatureVerificationError:
            continue
        except (ValueError, TypeError, AttributeError) as exc:
            # Undecodable bytes or JSON that is not an object (only reachable with a valid signature).
            raise MalformedEvent() from exc
    raise BadSignature()


def seen(provider: str, event_id: str) -> bool:
    return db.session.scalar(select(ProcessedEvent.id).where(
        ProcessedEvent.provider == provider, ProcessedEvent.event_id == event_id)) is not None


def claim(provider: str, event_id: str, notes: str) -> bool:
    """Insert the event's row unless it exists (no commit); False when another delivery got there first.

    Written in the transaction of the event's effect: the effect and the row commit together or not at all.
    """
    stmt = (insert_ignoring_duplicates(ProcessedEvent, ["provider", "event_id"])
            .values(provider=provider, event_id=event_id, notes=notes[:1000], created_at=utcnow())
            .returning(ProcessedEvent.id))
    return db.session.execute(stmt).scalar() is not None
