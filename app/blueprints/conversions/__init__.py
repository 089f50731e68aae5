from flask import Blueprint

bp = Blueprint("conversions", __name__, template_folder="templates")

from app.blueprints.conversions import routes  # noqa: E402,F401
