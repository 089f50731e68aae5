from flask import Blueprint

bp = Blueprint("api", __name__, template_folder="templates")

from app.blueprints.api import docs_routes, keys_routes, routes, stripe_connect_routes, stripe_routes  # noqa: E402,F401
