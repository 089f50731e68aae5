"""Routes of the admin area."""
from app.blueprints.admin import bp  # noqa: F401
