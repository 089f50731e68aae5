"""Whether the clicks waiting in Redis survive a Redis restart, checked rather than assumed.

A click is answered once it is appended to the Redis stream; until the drain stores it, Redis alone
holds it. Only an append-only file written at least every second (`appendonly yes` with `appendfsync
everysec` or `always`) keeps those clicks across a restart. In production the web app and the drain
refuse to start on a Redis that would forget them, unless the operator says the loss is accepted
(`CLICK_BUFFER_DURABILITY=accept-loss`); `/health` reports the same check.
"""
from dataclasses import dataclass

from flask import current_app
from loguru import logger
from redis.exceptions import RedisError, ResponseError

ACCEPT_LOSS = "accept-loss"
REQUIRE = "require"
SAFE_FSYNC = ("always", "everysec")


@dataclass(frozen=True)
class Durability:
    durable: bool
    reason: str

    @property
    def accepted(self) -> bool:
        """Whether the operator accepted losing buffered clicks (so a non-durable Redis is not an error)."""
        return current_app.config.get("CLICK_BUFFER_DURABILITY", REQUIRE) == ACCEPT_LOSS

    @property
    def ok(self) -> bool:
        return self.durable or self.accepted


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


def of_redis(connection) -> Durability:
    """Read the persistence settings of the Redis at `connection` (RedisError if it does not answer)."""
    try:
        settings = {_text(k): _text(v) for k, v in connection.config_get("append*").items()}
    except ResponseError as exc:
        # Managed services often disable CONFIG; then nobody here can tell.
        return Durability(False, f"Redis refuses CONFIG GET ({exc}), so its persistence cannot be checked")
    appendonly, fsync = settings.get("appendonly", ""), settings.get("appendfsync", "")
    if appendonly != "yes":
        return Durability(False, "Redis runs without its append-only file (appendonly is "
                                 f"{appendonly or 'not reported'}): a restart loses every click waiting in it")
    if fsync not in SAFE_FSYNC:
        return Durability(False, f"Redis writes its append-only file with appendfsync {fsync}: a crash can lose "
                                 "more than the last second of clicks")
    return Durability(True, f"appendonly yes, appendfsync {fsync}")


def require_at_start(app, connection) -> None:
    """In production: refuse to start on a Redis that would forget buffered clicks, unless that is accepted."""
    if connection is None or app.config["ENV_NAME"] != "production":
        return
    with app.app_context():
        try:
            found = of_redis(connection)
        except RedisError as exc:
            # Clicks go to the database while Redis is away; /health keeps reporting until it is back.
            logger.warning("click buffer: Redis does not answer at start ({}); its persistence is checked "
                           "again by /health", type(exc).__name__)
            return
        if found.durable:
            logger.info("click buffer: {}", found.reason)
        elif found.accepted:
            logger.warning("click buffer: {}; accepted by CLICK_BUFFER_DURABILITY=accept-loss", found.reason)
        else:
            raise RuntimeError(f"{found.reason}. Configure Redis with `appendonly yes` and `appendfsync everysec` "
                               "(see the README), or set CLICK_BUFFER_DURABILITY=accept-loss to run anyway.")
