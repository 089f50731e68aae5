from flask import Blueprint

bp = Blueprint("health", __name__, template_folder="templates")

from app.blueprints.health import routes  # noqa: E402,F401
