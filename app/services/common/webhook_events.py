"""Webhook events already handled: one row per provider and event id, so each event takes effect once."""
from sqlalchemy import select

from app.extensions import db
from app.models.audit import ProcessedEvent
from app.models.common import utcnow
from app.services.common.sql import insert_ignoring_duplicates


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
