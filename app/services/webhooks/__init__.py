"""Outbound webhooks: endpoints and their owners' choices, events written with the change (the outbox),
signed deliveries with retries, and the guard that keeps deliveries off private networks."""
