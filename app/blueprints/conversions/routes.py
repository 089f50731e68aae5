"""Routes of the conversions area."""
from app.blueprints.conversions import bp  # noqa: F401
