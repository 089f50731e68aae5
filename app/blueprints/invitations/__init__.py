from flask import Blueprint

bp = Blueprint("invitations", __name__, template_folder="templates")

from app.blueprints.invitations import routes  # noqa: E402,F401
