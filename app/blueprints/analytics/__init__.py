from flask import Blueprint

bp = Blueprint("analytics", __name__, template_folder="templates")

from app.blueprints.analytics import report_routes, routes  # noqa: E402,F401
