"""What owners do with their endpoints: register, change, turn on and off, delete, test, resend."""
import secrets

from flask import current_app
from loguru import logger
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.models.common import utcnow
from app.models.users import User
from app.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.services.audit import trail
from app.services.common.sorting import Sort, Sorts
from app.services.webhooks import events, outbox, urls

LOG_SIZE = 50


class EventNotAllowed(Exception):
    """An event type this owner's role cannot subscribe to."""


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def check_url(url: str) -> str:
    """The URL, trimmed, if a webhook may go there now; UnsafeUrl (with a code) otherwise."""
    url = (url or "").strip()
    urls.resolve(url, current_app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"])
    return url


def _checked_events(owner: User, chosen) -> list[str]:
    allowed = events.EVENTS_FOR_ROLE[owner.role]
    chosen = [name for name in allowed if name in set(chosen or ())]
    if not chosen or len(chosen) != len(set(chosen or ())):
        raise EventNotAllowed()
    return chosen


def create(owner_id: int, url: str, chosen_events, description: str | None, ip: str | None) -> WebhookEndpoint:
    owner = db.session.get(User, owner_id)
    endpoint = WebhookEndpoint(owner_id=owner.id, url=check_url(url), events=_checked_events(owner, chosen_events),
                               description=(description or "").strip() or None, secret=new_secret(),
                               is_active=True, failures_in_row=0, created_at=utcnow())
    db.session.add(endpoint)
    db.session.flush()
    trail.record("webhook_endpoint.created", endpoint, actor_id=owner.id, ip=ip, before=None,
                 after={"url": endpoint.url, "events": endpoint.events})
    db.session.commit()
    logger.info("webhook endpoint {} created by user {}", endpoint.id, owner.id)
    return endpoint


def update(endpoint: WebhookEndpoint, url: str, chosen_events, description: str | None, actor_id: int,
           ip: str | None) -> WebhookEndpoint:
    before = {"url": endpoint.url, "events": endpoint.events}
    endpoint.url = check_url(url)
    endpoint.events = _checked_events(endpoint.owner, chosen_events)
    endpoint.description = (description or "").strip() or None
    trail.record("webhook_endpoint.updated", endpoint, actor_id=actor_id, ip=ip, before=before,
                 after={"url": endpoint.url, "events": endpoint.events})
    db.session.commit()
    return endpoint


def set_active(endpoint: WebhookEndpoint, active: bool, actor_id: int, ip: str | None) -> None:
    """Turn an endpoint on (its failure count starts again) or off; while off, its events wait."""
    before = {"is_active": endpoint.is_active}
    endpoint.is_active = active
    endpoint.disabled_at = None if active else utcnow()
    endpoint.disabled_reason = None if active else "turned off by hand"
    if active:
        endpoint.failures_in_row = 0
    trail.record("webhook_endpoint.enabled" if active else "webhook_endpoint.disabled", endpoint,
                 actor_id=actor_id, ip=ip, before=before, after={"is_active": active})
    db.session.commit()


def roll_secret(endpoint: WebhookEndpoint, actor_id: int, ip: str | None) -> None:
    endpoint.secret = new_secret()
    trail.record("webhook_endpoint.secret_rolled", endpoint, actor_id=actor_id, ip=ip, before=None, after=None)
    db.session.commit()


def delete(endpoint: WebhookEndpoint, actor_id: int, ip: str | None) -> None:
    trail.record("webhook_endpoint.deleted", endpoint, actor_id=actor_id, ip=ip,
                 before={"url": endpoint.url, "events": endpoint.events}, after=None)
    db.session.execute(WebhookDelivery.__table__.delete().where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.commit()


def send_test(endpoint: WebhookEndpoint, actor_id: int) -> WebhookEvent:
    """A `webhook.test` event to this endpoint alone, sent even while it is turned off."""
    webhook_event = outbox.record(events.TEST_EVENT, {"object": "test", "endpoint_id": endpoint.id,
                                                      "message": "A test event from the affiliate program."},
                                  [endpoint.id])
    db.session.commit()
    logger.info("webhook test event {} for endpoint {} by user {}", webhook_event.public_id, endpoint.id, actor_id)
    return webhook_event


def resend(endpoint: WebhookEndpoint, delivery_id: int, actor_id: int) -> WebhookDelivery | None:
    """Send a delivery of this endpoint again, now, with a fresh day of retries."""
    delivery = db.session.scalar(select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint.id).with_for_update())
    if delivery is None:
        return None
    now = utcnow()
    delivery.status, delivery.next_attempt_at, delivery.created_at = "pending", now, now
    db.session.info.setdefault(outbox.PENDING, []).append(delivery.id)
    db.session.commit()
    logger.info("webhook delivery {} resent by user {}", delivery.id, actor_id)
    return delivery


# In the order they were added unless asked otherwise; the owner by email (an admin sees everybody's).
ENDPOINT_SORTS = Sorts({"added": (), "url": (WebhookEndpoint.url,), "owner": (User.email,),
                        "status": (WebhookEndpoint.is_active,)},
                       default="added", tie=WebhookEndpoint.id, descending=False)


def for_owner(user: User, sort: Sort = ENDPOINT_SORTS.read({})) -> list[WebhookEndpoint]:
    """The user's endpoints; an admin sees everybody's."""
    query = (select(WebhookEndpoint).join(User, User.id == WebhookEndpoint.owner_id)
             .options(contains_eager(WebhookEndpoint.owner)).order_by(*ENDPOINT_SORTS.order_by(sort)))
    if user.role != "admin":
        query = query.where(WebhookEndpoint.owner_id == user.id)
    return list(db.session.scalars(query))


def delivery_log(endpoint_id: int, before_id: int | None = None) -> list[WebhookDelivery]:
    """The endpoint's deliveries, newest first, a page at a time (keyset on the id)."""
    query = (select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
             .order_by(WebhookDelivery.id.desc()).limit(LOG_SIZE))
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    return list(db.session.scalars(query))
