"""The audit trail: every money or permission decision writes one row."""
from app.extensions import db
from app.models.audit import AuditEvent


def record(action: str, obj=None, *, actor_id: int | None = None, before: dict | None = None,
           after: dict | None = None, ip: str | None = None, object_type: str | None = None,
           object_id=None) -> AuditEvent:
    """Add an audit event to the current transaction (the caller's use case commits it)."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    event = AuditEvent(
        actor_id=actor_id, action=action, object_type=object_type or "-",
        object_id=None if object_id is None else str(object_id),
        before=before, after=after, ip=ip,
    )
    db.session.add(event)
    return event
