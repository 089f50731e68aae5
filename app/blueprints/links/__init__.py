from flask import Blueprint

bp = Blueprint("links", __name__, template_folder="templates")

from app.blueprints.links import routes  # noqa: E402,F401
