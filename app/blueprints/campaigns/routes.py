"""Routes of the campaigns area."""
from app.blueprints.campaigns import bp  # noqa: F401
