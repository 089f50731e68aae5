"""Monitoring for every process the app factory builds: database pool figures and, with SENTRY_DSN, Sentry."""
from app.extensions import db
from app.services.monitoring.pool import watch_pool
from app.services.monitoring.sentry import init_sentry


def init_monitoring(app) -> None:
    init_sentry(app)
    with app.app_context():
        watch_pool(db.engine)
