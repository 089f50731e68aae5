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
from flask import current_app, g, request

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
# On every answer unless its view set its own (the policy above too, with the page's extra form targets).
FIXED_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def allow_form_action(origin: str) -> None:
    """Let this page's forms lead to `origin` too: a form whose answer redirects off-site (to Stripe's
    hosted onboarding, say) is checked against the policy of the page that holds the form."""
    g.setdefault("form_action_origins", set()).add(origin)


def content_security_policy() -> str:
    extra = g.get("form_action_origins")
    if not extra:
        return CONTENT_SECURITY_POLICY
    form_action = " ".join(("form-action 'self'", *sorted(extra)))
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", form_action)


def keeps_linking_page_referrer_policy(view):
    """Mark a view whose answer must not change the referrer policy the linking page chose."""
    view.keeps_linking_page_referrer_policy = True
    return view


def init_app(app) -> None:
    app.after_request(add_headers)


def add_headers(response):
    # Runs on every response, each click redirect included: the names a view already set are read once,
    # rather than scanning the headers again for each one added.
    headers = response.headers
    present = {name.lower() for name in headers.keys()}

    def default(name: str, value: str) -> None:
        if name.lower() not in present:
            headers.add(name, value)

    for name, value in FIXED_HEADERS:
        default(name, value)
    default("Content-Security-Policy", content_security_policy())
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if not getattr(view, "keeps_linking_page_referrer_policy", False):
        default("Referrer-Policy", REFERRER_POLICY)
    if "cache-control" not in present or not _is_public(headers.get("Cache-Control", "")):
        headers["Cache-Control"] = "no-store"
    hsts_seconds = _hsts_seconds(request.is_secure)
    if hsts_seconds:
        default("Strict-Transport-Security", f"max-age={hsts_seconds}")
    return response


def redirect_headers(secure: bool) -> list[tuple[str, str]]:
    """What `add_headers` gives the click redirect, for the redirect answered before Flask
    (`app.blueprints.tracking.redirect_gateway`): no Referrer-Policy, never cached."""
    headers = [*FIXED_HEADERS, ("Content-Security-Policy", CONTENT_SECURITY_POLICY), ("Cache-Control", "no-store")]
    hsts_seconds = _hsts_seconds(secure)
    if hsts_seconds:
        headers.append(("Strict-Transport-Security", f"max-age={hsts_seconds}"))
    return headers


def _hsts_seconds(secure: bool) -> int:
    config = current_app.config
    seconds = config.get("HSTS_SECONDS", 0)
    return seconds if seconds and secure and config["ENV_NAME"] == "production" else 0


def _is_public(cache_control: str) -> bool:
    # What `response.cache_control.public` says, without parsing every directive into an object.
    return any(part.strip().lower() == "public" for part in cache_control.split(","))
