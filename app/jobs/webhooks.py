"""Webhook deliveries in the background: one send, and the sweeper behind it."""
from app.services.webhooks import delivery


def deliver_webhook_job(delivery_id: int) -> str | None:
    return delivery.attempt(delivery_id)


def sweep_webhooks_job() -> int:
    return delivery.sweep()
