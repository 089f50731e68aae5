from flask import Blueprint

bp = Blueprint("conversions", __name__, template_folder="templates")

from app.blueprints.conversions import activity_routes, detail_routes, routes  # noqa: E402,F401
