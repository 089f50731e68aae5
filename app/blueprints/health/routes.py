"""Health checks for load balancers and monitors."""
from flask import jsonify
from loguru import logger
from sqlalchemy import text

from app.blueprints.health import bp
from app.extensions import csrf, db, redis_connection


@bp.get("/health")
def health():
    """The database and Redis state; 503 when the database cannot be reached."""
    state = {"db": "ok", "redis": "disabled"}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:
        db.session.rollback()
        logger.error("health: database unreachable: {}", type(exc).__name__)
        state["db"] = "error"
    connection = redis_connection()
    if connection is not None:
        try:
            connection.ping()
            state["redis"] = "ok"
        except Exception as exc:
            logger.error("health: redis unreachable: {}", type(exc).__name__)
            state["redis"] = "error"
    healthy = state["db"] == "ok" and state["redis"] != "error"
    state["status"] = "ok" if healthy else "degraded"
    return jsonify(state), 200 if state["db"] == "ok" else 503


@bp.get("/track/health")
def track_health():
    """The tracking path is up; touches no database."""
    return jsonify({"status": "ok"}), 200


csrf.exempt(bp)
