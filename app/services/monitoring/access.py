"""Who may read the metrics: a caller with `Authorization: Bearer <METRICS_TOKEN>`, or one on loopback.

A request that came through a proxy (it carries X-Forwarded-For or Forwarded) never counts as
loopback, even when the proxy itself connects from 127.0.0.1: otherwise a reverse proxy on the same
host would publish the metrics to everyone.
"""
import hmac

LOOPBACK = ("127.", "::1", "::ffff:127.")


def is_loopback(remote_addr: str | None, proxied: bool) -> bool:
    return bool(remote_addr) and not proxied and (remote_addr == "::1" or remote_addr.startswith(LOOPBACK))


def bearer_matches(authorization: str | None, token: str | None) -> bool:
    if not token or not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def allowed(remote_addr: str | None, authorization: str | None, proxied: bool, token: str | None) -> bool:
    """True when the caller may read the metrics."""
    if authorization:
        # A token that is sent must be right, from loopback too: a wrong one is a configuration error.
        return bearer_matches(authorization, token)
    return is_loopback(remote_addr, proxied)


def proxied(headers) -> bool:
    return "X-Forwarded-For" in headers or "Forwarded" in headers


def forbidden_body() -> bytes:
    return b"metrics need Authorization: Bearer <METRICS_TOKEN> (or a request from loopback)\n"
