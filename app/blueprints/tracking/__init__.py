from flask import Blueprint

bp = Blueprint("tracking", __name__, template_folder="templates")

from app.blueprints.tracking import routes  # noqa: E402,F401
