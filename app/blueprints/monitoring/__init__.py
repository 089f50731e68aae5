from flask import Blueprint

bp = Blueprint("monitoring", __name__)

from app.blueprints.monitoring import instrumentation, routes  # noqa: E402,F401
