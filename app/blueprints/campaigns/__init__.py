from flask import Blueprint

bp = Blueprint("campaigns", __name__, template_folder="templates")

from app.blueprints.campaigns import affiliate_routes, membership_routes, routes  # noqa: E402,F401
