"""Request rate limits, named in configuration and counted in Redis (in memory without it).

A view is limited by naming its limit: `@rate_limited("sign_in", methods=["POST"])` counts per client
address, `@rate_limited("api", key=per_api_key)` per API key (GraphQL: `per_api_key_or_user`). Views
given the same name share one budget. The limits themselves live in `RATE_LIMITS` (config, overridable per name from the
environment), in Flask-Limiter's notation: "10 per minute; 50 per hour". Over a limit the answer
is 429 with `Retry-After` (the errors blueprint renders it as a page or as API JSON). If Redis stops
answering, counting goes on in each process's memory instead of failing the request.
"""
import hashlib
import time

from flask import current_app, request
from flask_login import current_user

from app.extensions import limiter


def client_address() -> str:
    """The client's address (behind trusted proxies, the one they report)."""
    return f"ip:{request.remote_addr or '-'}"


def _by_secret(kind: str, secret: str | None) -> str:
    # A digest: a key or token never reaches Redis or a log line.
    if secret:
        return f"{kind}:" + hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:32]
    return client_address()


def per_api_key() -> str:
    """The API key in the Authorization header, else the client's address."""
    scheme, _, raw = request.headers.get("Authorization", "").strip().partition(" ")
    return _by_secret("key", raw.strip() if scheme.lower() == "bearer" else None)


def per_api_key_or_user() -> str:
    """The API key in the Authorization header, else the signed-in person, else the client's address."""
    scheme, _, raw = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme:
        return _by_secret("key", raw.strip() if scheme.lower() == "bearer" else None)
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return client_address()


def per_postback_token() -> str:
    """The campaign's postback token in the query string, else the client's address."""
    return _by_secret("token", (request.args.get("token") or "").strip())


def init_app(app) -> None:
    # A Flask-Limiter instance counts for one app. A process serves one app; a second app built in the
    # same process (the tests build some) shares the first one's counting rather than taking it over.
    if limiter.initialized:
        return
    url = app.config.get("REDIS_URL") or ""
    # The tests' in-process Redis stand-in has no URL: then the limiter counts in memory.
    app.config.setdefault("RATELIMIT_STORAGE_URI", url or "memory://")
    if url:
        # A slow Redis must not hold a sign-in for long; past this the count falls back to memory.
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 0.5, "socket_timeout": 0.5})
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
    _skip_for_click_redirect(app)


def _skip_for_click_redirect(app) -> None:
    """The click redirect has no limit (a visitor is always sent on), yet the limiter's check before every
    request would still work out that nothing applies: about a tenth of the redirect's CPU. Its check is
    wrapped so that the redirect skips it."""
    checks = app.before_request_funcs.setdefault(None, [])
    position = checks.index(limiter._check_request_limit)
    check = checks[position]

    def check_unless_click_redirect():
        if request.endpoint != "tracking.follow":
            return check()
        return None

    checks[position] = check_unless_click_redirect


def rate_limited(name: str, *, key=client_address, methods: list[str] | None = None):
    """Limit a view by the configured limit `name`, counted per `key` (a function of the request)."""
    return limiter.shared_limit(lambda: current_app.config["RATE_LIMITS"][name], scope=name, key_func=key,
                                methods=methods)


def retry_after_seconds() -> int:
    """Seconds until the limit this request broke lets a request through again (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, int(current.reset_at - time.time()) + 1)
