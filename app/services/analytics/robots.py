"""Robot visits: crawlers and link-preview fetchers are redirected but never recorded as clicks.

The redirect counts them in a Redis hash per day (one round trip, nothing waits on the database);
the rollup job copies the counts into `stats_robot_clicks`. Counts only grow, so the copy keeps the
larger of the two numbers: running it twice, or after Redis lost its hash, never lowers a figure.
Without Redis the redirect adds to the table directly.
"""
from datetime import date, timedelta

from flask import current_app
from loguru import logger
from sqlalchemy import func, select

from app.extensions import db
from app.models.analytics import RobotClicks
from app.models.common import utcnow
from app.services.analytics import sql
from app.services.analytics.fold import dialect_insert

KEY_PREFIX = "stats:robots:"
# Days kept in Redis: the job runs every few minutes, this is its margin for an outage.
KEEP_DAYS = 8


def key_for(day: date) -> str:
    return f"{KEY_PREFIX}{day.isoformat()}"


def count(connection, link_id: int, campaign_id: int, affiliate_id: int) -> None:
    """Count one robot visit of a link now (`connection`: Redis, or None for the database)."""
    day = sql.local_day_of(utcnow(), current_app.config["BABEL_DEFAULT_TIMEZONE"])
    if connection is not None:
        key = key_for(day)
        pipe = connection.pipeline(transaction=False)
        pipe.hincrby(key, f"{link_id}:{campaign_id}:{affiliate_id}", 1)
        pipe.expire(key, KEEP_DAYS * 86400)
        pipe.execute()
        return
    statement = dialect_insert(db.session.get_bind().dialect.name)(RobotClicks).values(
        day=day, link_id=link_id, campaign_id=campaign_id, affiliate_id=affiliate_id, robot_clicks=1)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["day", "link_id"], set_={"robot_clicks": RobotClicks.robot_clicks + 1}))
    db.session.commit()


def copy_counts(connection, redis, today: date) -> int:
    """Copy the counts kept in Redis for the last days into the table; returns how many rows changed."""
    if redis is None:
        return 0
    rows = []
    try:
        for back in range(KEEP_DAYS):
            day = today - timedelta(days=back)
            for field, value in redis.hgetall(key_for(day)).items():
                link_id, campaign_id, affiliate_id = (int(part) for part in field.decode().split(":"))
                rows.append({"day": day, "link_id": link_id, "campaign_id": campaign_id,
                             "affiliate_id": affiliate_id, "robot_clicks": int(value)})
    except Exception as exc:  # Redis away: the counts stay there for the next run
        logger.warning("robot counts not read from Redis: {}: {}", type(exc).__name__, exc)
        return 0
    table = RobotClicks.__table__
    stored = {(day, link_id): value for day, link_id, value in connection.execute(
        select(table.c.day, table.c.link_id, table.c.robot_clicks)
        .where(table.c.day >= today - timedelta(days=KEEP_DAYS - 1)))}
    rows = [row for row in rows if row["robot_clicks"] > stored.get((row["day"], row["link_id"]), 0)]
    if not rows:
        return 0
    dialect = connection.dialect.name
    larger = func.greatest if dialect == "postgresql" else func.max
    statement = dialect_insert(dialect)(RobotClicks)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["day", "link_id"],
        set_={"robot_clicks": larger(table.c.robot_clicks, statement.excluded.robot_clicks)}), rows)
    return len(rows)
