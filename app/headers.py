"""Security and caching headers on every response.

- A Content-Security-Policy the pages satisfy: scripts and styles only from our own files (no inline
  script, handler or style attribute anywhere; htmx is told not to inject its own style element or
  evaluate code), no plugins, no framing, no `<base>` rewriting.
- `X-Frame-Options: DENY` for browsers that predate `frame-ancestors`, `nosniff`, a Permissions-Policy
  that turns off device APIs no page uses, and HSTS in production over HTTPS.
- `Referrer-Policy: strict-origin-when-cross-origin`, except on views marked with
  `keeps_linking_page_referrer_policy`: the click redirect sends none, so the merchant's shop gets the
  referrer the affiliate's page allows, exactly as if the link pointed at the shop directly.
- `Cache-Control: no-store` on everything a view did not mark public: signed-in pages, downloads,
  forms with their CSRF tokens. Public answers (content-hashed static files, aff.js) keep theirs.
"""
from flask import current_app, request

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
))
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                      "payment=(), usb=()")
REFERRER_POLICY = "strict-origin-when-cross-origin"


def keeps_linking_page_referrer_policy(view):
    """Mark a view whose answer must not change the referrer policy the linking page chose."""
    view.keeps_linking_page_referrer_policy = True
    return view


def init_app(app) -> None:
    app.after_request(add_headers)


def add_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if not getattr(view, "keeps_linking_page_referrer_policy", False):
        headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    if not response.cache_control.public:
        headers["Cache-Control"] = "no-store"
    hsts_seconds = current_app.config.get("HSTS_SECONDS", 0)
    if hsts_seconds and request.is_secure and current_app.config["ENV_NAME"] == "production":
        headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}")
    return response
