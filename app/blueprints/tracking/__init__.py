from flask import Blueprint

bp = Blueprint("tracking", __name__, template_folder="templates")

from app.blueprints.tracking import integration_routes, pixel_routes, retention_cli, routes  # noqa: E402,F401
