from flask import Blueprint

bp = Blueprint("stripe_connect", __name__, template_folder="templates")

from app.blueprints.stripe_connect import account_routes, admin_routes, run_routes  # noqa: E402,F401
