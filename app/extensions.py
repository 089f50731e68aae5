"""Extensions are created unbound here and bound in `create_app`; the Redis connection lives here too."""
from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations (and SQLite batch mode) predictable.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Bound by app.rate_limits.init_app, which picks the storage (Redis, else memory); views name their
# limit through app.rate_limits.rate_limited. A Redis outage never fails a request: counting falls
# back to memory.
limiter = Limiter(key_func=get_remote_address, swallow_errors=True, in_memory_fallback_enabled=True,
                  key_prefix="rate")


def init_redis(app, client=None) -> None:
    """Give the app its Redis client: `client` when one is handed in (the tests' in-memory stand-in), else
    one made from REDIS_URL, else None: without Redis, jobs run inside the web process."""
    url = app.config.get("REDIS_URL") or ""
    if client is None and url:
        from redis import Redis

        client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        # The click path makes its own client with shorter timeouts from the same address.
        app.extensions["redis_url"] = url
    else:
        app.extensions["redis_url"] = None
    app.extensions["redis"] = client


def redis_connection():
    """The app's Redis client, or None when there is no Redis."""
    return current_app.extensions.get("redis")
