"""Audit events made directly, for the audit log's query and page tests."""
from app.extensions import db
from app.services.audit import trail


def event(action="campaign.updated", *, actor=None, object_type="campaigns", object_id=1, at=None, **kwargs):
    """A committed audit event by `actor` (None: the system), dated `at` when given."""
    row = trail.record(action, actor_id=actor.id if actor else None, object_type=object_type,
                       object_id=object_id, **kwargs)
    if at is not None:
        row.created_at = at
    db.session.commit()
    return row
