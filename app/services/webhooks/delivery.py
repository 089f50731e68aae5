"""Sending one delivery, with exponential backoff for a day, and the sweeper that finds due ones.

A delivery is claimed first (its next attempt pushed past the send's timeout, committed), so a second
worker handed the same delivery skips it; the HTTP call holds no lock. Receivers should still treat the
event id as the key of a delivery: a worker that dies after sending and before recording sends it again.
"""
import json
import time
from datetime import timedelta

from flask import current_app
from loguru import logger
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.extensions import db
from app.jobs import queue
from app.models.common import utcnow
from app.models.webhooks import WebhookDelivery, WebhookEndpoint
from app.services.webhooks import events, notices, sender

FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=4)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the 1st, 2nd, 3rd … failed attempt, at most 4 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def body_of(delivery) -> bytes:
    event = delivery.event
    created = event.created_at.replace(microsecond=0).isoformat() + "Z"
    return json.dumps({"id": event.public_id, "type": event.type, "created": created, "data": event.data},
                      separators=(",", ":"), ensure_ascii=False).encode()


def _claim(session: Session, delivery_id: int, lease: timedelta):
    delivery = session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update())
    now = utcnow()
    if delivery is None or delivery.status != "pending" or delivery.next_attempt_at > now:
        return None
    if not delivery.endpoint.is_active and delivery.event.type != events.TEST_EVENT:
        return None
    delivery.next_attempt_at = now + lease
    body, url, secret = body_of(delivery), delivery.endpoint.url, delivery.endpoint.secret
    event_id = delivery.event.public_id
    session.commit()
    return body, url, secret, event_id


def attempt(delivery_id: int) -> str | None:
    """Send one due delivery now; returns its status afterwards, or None when it was not ours to send."""
    config = current_app.config
    timeout = float(config["WEBHOOK_TIMEOUT"])
    with Session(db.engine, expire_on_commit=False) as session:
        claimed = _claim(session, delivery_id, timedelta(seconds=timeout * (sender.MAX_REDIRECTS + 1) + 30))
        if claimed is None:
            return None
        body, url, secret, event_id = claimed
        timestamp = int(time.time())
        answer = sender.post(url, body, {sender.SIGNATURE_HEADER: sender.signature_header(secret, timestamp, body),
                                         "X-Webhook-Id": event_id, "X-Webhook-Timestamp": str(timestamp)},
                             timeout=timeout, allow_private=config["WEBHOOK_ALLOW_PRIVATE_HOSTS"])
        return _record(session, delivery_id, answer)


def _record(session: Session, delivery_id: int, answer) -> str:
    config = current_app.config
    delivery = session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update())
    endpoint = session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.id == delivery.endpoint_id)
                              .with_for_update())
    now = utcnow()
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.response_status = now, answer.status
    delivery.duration_ms, delivery.error = answer.duration_ms, answer.error
    disabled = False
    if answer.ok:
        delivery.status, endpoint.failures_in_row = "delivered", 0
    else:
        endpoint.failures_in_row += 1
        give_up = now - delivery.created_at >= timedelta(hours=config["WEBHOOK_RETRY_HOURS"])
        delivery.status = "failed" if give_up else "pending"
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        if endpoint.is_active and endpoint.failures_in_row >= config["WEBHOOK_DISABLE_AFTER"]:
            endpoint.is_active, endpoint.disabled_at = False, now
            endpoint.disabled_reason = f"{endpoint.failures_in_row} failures in a row; last: {answer.error}"[:200]
            disabled = True
    status = delivery.status
    session.commit()
    logger.info("webhook delivery {} endpoint={} attempt={} -> {} status={} {}ms{}", delivery_id, endpoint.id,
                delivery.attempts, status, answer.status, answer.duration_ms,
                f" error={answer.error}" if answer.error else "")
    if disabled:
        logger.warning("webhook endpoint {} disabled after {} failures in a row", endpoint.id, endpoint.failures_in_row)
        notices.endpoint_disabled(endpoint.id)
    return status


def due(limit: int = 500) -> list[int]:
    """Pending deliveries whose time has come, on active endpoints, oldest first."""
    return list(db.session.scalars(
        select(WebhookDelivery.id).join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= utcnow(),
               WebhookEndpoint.is_active.is_(True))
        .order_by(WebhookDelivery.next_attempt_at).limit(limit)))


def sweep(limit: int = 500) -> int:
    """Queue every due delivery (those Redis missed and the retries); safe to run twice at once."""
    delivery_ids = due(limit)
    for delivery_id in delivery_ids:
        queue.enqueue("app.jobs.webhooks.deliver_webhook_job", delivery_id, timeout=120)
    return len(delivery_ids)
