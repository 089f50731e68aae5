"""Error reports to Sentry (optional: only with SENTRY_DSN), scrubbed before they leave the process.

Nothing a visitor, merchant or affiliate typed or holds secret goes out: request bodies, cookies,
Authorization and other credential headers, query values and URL path tokens, API keys, Stripe
secrets, email addresses, and payout details (bank accounts, phone numbers), wherever they appear:
the stack is sent without its local variables, and log breadcrumbs, exception messages and anything
else left are scrubbed by key name and by the shape of the value; a job's arguments are not sent.
"""
import os
import re
import subprocess
from urllib.parse import parse_qsl, urlencode

FILTERED = "[Filtered]"
# Keys whose values are never sent, wherever they appear in the event.
SENSITIVE_KEY = re.compile(
    r"pass(word|wd)?|secret|token|api_?key|auth|cookie|session|csrf|signature|e_?mail|account|iban|swift|"
    r"bank|card|details|phone|momo|paypal|postback|credential|private", re.IGNORECASE)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# API keys, Stripe secrets and keys, and the token after a webhook or postback path.
SECRET_VALUE = re.compile(r"\b(ak_live_|whsec_|sk_live_|sk_test_|rk_live_|rk_test_)[A-Za-z0-9_\-]+")
PATH_TOKEN = re.compile(r"(/webhook/)[^/?#\s]+")
# Nine digits or more: bank accounts, card and phone numbers (ids and amounts in messages are shorter).
LONG_NUMBER = re.compile(r"\b\d(?:[ -]?\d){8,}\b")
DROPPED_REQUEST_PARTS = ("data", "cookies", "env")


def scrub_text(value: str) -> str:
    value = EMAIL.sub(FILTERED, value)
    value = LONG_NUMBER.sub(FILTERED, value)
    value = SECRET_VALUE.sub(lambda m: m.group(1) + FILTERED, value)
    return PATH_TOKEN.sub(lambda m: m.group(1) + FILTERED, value)


def scrub(value, depth: int = 0):
    """A copy of `value` with sensitive keys filtered and secrets removed from every string."""
    if depth > 20:
        return FILTERED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {key: FILTERED if isinstance(key, str) and SENSITIVE_KEY.search(key) else scrub(item, depth + 1)
                for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item, depth + 1) for item in value]
    return value


def scrub_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(key, FILTERED if SENSITIVE_KEY.search(key) else scrub_text(val)) for key, val in pairs],
                     safe="[]")


def scrub_event(event: dict, _hint=None) -> dict:
    """Sentry's before_send: the event as it may leave the process."""
    request = event.get("request")
    if isinstance(request, dict):
        for part in DROPPED_REQUEST_PARTS:
            request.pop(part, None)
        if isinstance(request.get("query_string"), str):
            request["query_string"] = scrub_query(request["query_string"])
    extra = event.get("extra")
    if isinstance(extra, dict) and isinstance(extra.get("rq-job"), dict):
        job = extra["rq-job"]
        # A job's arguments are ids, emails or message bodies: only its identity goes out.
        extra["rq-job"] = {key: job[key] for key in ("job_id", "func", "queue", "status") if key in job}
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    return scrub(event)


def release_name() -> str | None:
    """SENTRY_RELEASE, else the checked-out commit when the code runs from a git clone."""
    if os.environ.get("SENTRY_RELEASE"):
        return os.environ["SENTRY_RELEASE"]
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, timeout=2,
                             cwd=os.path.dirname(os.path.abspath(__file__)))
    except (OSError, subprocess.SubprocessError):
        return None
    return f"affiliate@{out.stdout.strip()}" if out.returncode == 0 and out.stdout.strip() else None


def init_sentry(app) -> bool:
    """Start reporting errors of this process (web, worker, drain) if SENTRY_DSN is set."""
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.rq import RqIntegration

    options = dict(
        dsn=dsn, release=release_name(),
        environment=app.config.get("SENTRY_ENVIRONMENT") or app.config["ENV_NAME"],
        # Only these integrations: an automatically enabled loguru one would send formatted log lines
        # (tracebacks with values in them) that no scrubber can take apart reliably.
        integrations=[FlaskIntegration(), RqIntegration(), LoggingIntegration(level=None, event_level=None)],
        auto_enabling_integrations=False,
        # Personal data stays off by default (no send_default_pii); bodies are never even read.
        max_request_body_size="never", before_send=scrub_event,
        # A frame's local variables hold whatever the code was handling (a message body, a form, payout
        # details under any name): the stack is sent with file, line and code only.
        include_local_variables=False,
        before_send_transaction=scrub_event, before_breadcrumb=lambda crumb, _hint: scrub(crumb),
        traces_sample_rate=app.config.get("SENTRY_TRACES_SAMPLE_RATE", 0.0),
    )
    if app.config.get("SENTRY_TRANSPORT") is not None:
        options["transport"] = app.config["SENTRY_TRANSPORT"]
    sentry_sdk.init(**options)
    return True
