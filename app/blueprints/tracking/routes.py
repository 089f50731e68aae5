"""Routes of the tracking area."""
from app.blueprints.tracking import bp  # noqa: F401
