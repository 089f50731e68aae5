"""Routes of the api area."""
from app.blueprints.api import bp  # noqa: F401
