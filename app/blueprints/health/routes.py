"""Health checks for load balancers and monitors."""
from flask import jsonify
from loguru import logger
from sqlalchemy import text

from app.blueprints.health import bp
from app.extensions import csrf, db, redis_connection
from app.services.tracking import durability


@bp.get("/health")
def health():
    """The database and Redis state; 503 when the database cannot be reached.

    `degraded` (still 200: clicks are still answered and kept) when Redis is down, or when it would
    forget the clicks waiting in it on a restart and that loss was not accepted.
    """
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
            buffer = durability.of_redis(connection)
            state["click_buffer"] = {"durable": buffer.durable, "reason": buffer.reason,
                                     "loss_accepted": buffer.accepted}
        except Exception as exc:
            logger.error("health: redis unreachable: {}", type(exc).__name__)
            state["redis"] = "error"
        else:
            if not buffer.ok:
                logger.error("health: the click buffer would lose clicks: {}", buffer.reason)
    buffer_ok = state["redis"] != "ok" or state["click_buffer"]["durable"] or state["click_buffer"]["loss_accepted"]
    healthy = state["db"] == "ok" and state["redis"] != "error" and buffer_ok
    state["status"] = "ok" if healthy else "degraded"
    return jsonify(state), 200 if state["db"] == "ok" else 503


@bp.get("/track/health")
def track_health():
    """The tracking path is up; touches no database."""
    return jsonify({"status": "ok"}), 200


csrf.exempt(bp)
