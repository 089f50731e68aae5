from flask import Blueprint

bp = Blueprint("tracking", __name__, template_folder="templates")

from app.blueprints.tracking import (  # noqa: E402,F401
    integration_routes,
    integration_test_routes,
    pixel_routes,
    retention_cli,
    routes,
)
