"""Routes of the links area."""
from app.blueprints.links import bp  # noqa: F401
