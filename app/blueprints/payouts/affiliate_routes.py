"""Payout pages."""
from app.blueprints.payouts import bp  # noqa: F401
