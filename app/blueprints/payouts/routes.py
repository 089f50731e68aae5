"""Routes of the payouts area."""
from app.blueprints.payouts import bp  # noqa: F401
