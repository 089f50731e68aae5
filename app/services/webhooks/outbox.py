"""Events written in the caller's transaction, one delivery per listening endpoint; sent once it commits.

`emit` adds rows and never commits: if the change rolls back, its event and deliveries go with it. After
the commit each new delivery is handed to a worker; if Redis cannot take it, the delivery stays pending
in the database and the sweeper sends it later, so an outage loses nothing and never fails the action.
"""
import secrets
import threading

from flask import current_app
from loguru import logger
from sqlalchemy import event as sa_event
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.extensions import db, redis_connection
from app.jobs import queue
from app.models.common import utcnow
from app.models.users import User
from app.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.services.webhooks import events

PENDING = "webhook_deliveries_to_send"
DELIVER_JOB = "app.jobs.webhooks.deliver_webhook_job"


def _listening(event_type: str, owners: set[int]) -> list[int]:
    rows = db.session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events).join(User, User.id == WebhookEndpoint.owner_id)
        .where(WebhookEndpoint.is_active.is_(True), or_(WebhookEndpoint.owner_id.in_(owners), User.role == "admin"))
        .order_by(WebhookEndpoint.id)).all()
    return [endpoint_id for endpoint_id, subscribed in rows if event_type in (subscribed or ())]


def record(event_type: str, data: dict, endpoint_ids: list[int]) -> WebhookEvent | None:
    """The event and its deliveries, added to the session (no commit); nothing when nobody listens."""
    if not endpoint_ids:
        return None
    now = utcnow()
    webhook_event = WebhookEvent(public_id="evt_" + secrets.token_urlsafe(18), type=event_type, data=data,
                                 created_at=now)
    db.session.add(webhook_event)
    db.session.flush()
    deliveries = [WebhookDelivery(event_id=webhook_event.id, endpoint_id=endpoint_id, status="pending", attempts=0,
                                  next_attempt_at=now, created_at=now) for endpoint_id in endpoint_ids]
    db.session.add_all(deliveries)
    db.session.flush()
    db.session.info.setdefault(PENDING, []).extend(delivery.id for delivery in deliveries)
    return webhook_event


def emit(event_type: str, data: dict, *, merchant_id: int | None = None, affiliate_id: int | None = None):
    """Write `event_type` for every active endpoint of the object's merchant, affiliate and of admins."""
    owners = events.audience(event_type, merchant_id=merchant_id, affiliate_id=affiliate_id)
    with db.session.no_autoflush:
        endpoint_ids = _listening(event_type, owners)
    return record(event_type, data, endpoint_ids)


def conversion_event(event_type: str, conversion, refund=None):
    return emit(event_type, events.conversion_data(conversion, refund),
                merchant_id=conversion.campaign.merchant_id, affiliate_id=conversion.affiliate_id)


def membership_event(event_type: str, membership):
    return emit(event_type, events.membership_data(membership), merchant_id=membership.campaign.merchant_id,
                affiliate_id=membership.affiliate_id)


def payout_event(event_type: str, request):
    return emit(event_type, events.payout_data(request), affiliate_id=request.affiliate_id)


def send_soon(delivery_ids: list[int]) -> None:
    """Hand committed deliveries to a worker; a failure here only leaves them to the sweeper."""
    if not delivery_ids:
        return
    if redis_connection() is None:
        # No worker without Redis: a thread sends them, so the action that caused them does not wait.
        app = current_app._get_current_object()
        threading.Thread(target=_send_in_thread, args=(app, list(delivery_ids)), daemon=True).start()
        return
    for delivery_id in delivery_ids:
        try:
            queue.enqueue(DELIVER_JOB, delivery_id, timeout=120)
        except Exception as exc:  # Redis down or full: the row is safe in the database
            logger.warning("webhook delivery {} left for the sweeper: {}: {}", delivery_id,
                           exc.__class__.__name__, exc)


def _send_in_thread(app, delivery_ids):
    from app.services.webhooks import delivery

    with app.app_context():
        for delivery_id in delivery_ids:
            delivery.attempt(delivery_id)


def _after_commit(session):
    delivery_ids = session.info.pop(PENDING, None)
    if delivery_ids:
        send_soon(delivery_ids)


def _after_rollback(session):
    session.info.pop(PENDING, None)


def init_app(app) -> None:
    # Registered on the Session class once: every session of the process, app or worker, sends after commit.
    if not sa_event.contains(Session, "after_commit", _after_commit):
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_rollback", _after_rollback)
