"""The currency of the objects audit events are about, so their amounts can be shown as money."""
from sqlalchemy import select

from app.extensions import db
from app.models.campaigns import Campaign
from app.models.conversions import Conversion
from app.models.money import PayoutRequest

_MODELS = {"conversions": Conversion, "payout_requests": PayoutRequest, "campaigns": Campaign}


def of_objects(events) -> dict[tuple[str, str], str]:
    """{(object type, object id): currency} for the events' objects that have one: one query per kind."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.object_type in _MODELS and (event.object_id or "").isdigit():
            wanted.setdefault(event.object_type, set()).add(int(event.object_id))
    found = {}
    for object_type, ids in wanted.items():
        model = _MODELS[object_type]
        for object_id, currency in db.session.execute(select(model.id, model.currency).where(model.id.in_(ids))):
            found[(object_type, str(object_id))] = currency
    return found
