from flask import Blueprint

bp = Blueprint("webhooks", __name__, template_folder="templates")

from app.blueprints.webhooks import routes  # noqa: E402,F401
