"""Building a second app with other settings (production, JSON logs) inside a test."""
from contextlib import contextmanager

from flask import Flask

from app import create_app
from app.extensions import db
from app.logs import init_logging


@contextmanager
def other_app(base_app, config_class):
    """Yield `create_app(config_class)` on `base_app`'s Redis; afterwards put the suite's log sinks back as
    `base_app` had them.

    Loguru has one global logger, so a second app's `init_logging` replaces the suite's sinks.
    """
    app = None
    try:
        app = create_app(config_class, redis_client=base_app.extensions["redis"])
        yield app
    finally:
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        # A bare app with the same settings re-adds the same sinks without adding hooks to base_app.
        stand_in = Flask("restore-logging")
        stand_in.config.update(base_app.config)
        init_logging(stand_in)
