from flask import Blueprint

bp = Blueprint("graphql", __name__, template_folder="templates")

from app.blueprints.graphql import routes  # noqa: E402,F401
