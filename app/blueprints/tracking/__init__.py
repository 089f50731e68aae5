from flask import Blueprint

bp = Blueprint("tracking", __name__, template_folder="templates")

from app.blueprints.tracking import integration_routes, integration_test_routes, pixel_routes, routes  # noqa: E402,F401
