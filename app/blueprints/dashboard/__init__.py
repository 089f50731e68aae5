from flask import Blueprint

bp = Blueprint("dashboard", __name__, template_folder="templates")

from app.blueprints.dashboard import checklist_routes, routes  # noqa: E402,F401
