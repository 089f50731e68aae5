"""Every request counted and timed, by route rule (never the raw path), method and status class.

Two hooks and one histogram observation per request: no lock is shared between processes (each
gunicorn worker writes its own memory-mapped file) and nothing is logged, so the click redirect
keeps its speed.
"""
from time import perf_counter

from flask import g, request

from app.blueprints.monitoring import bp
from app.services.monitoring import metrics

METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
UNMATCHED = "<unmatched>"
STATUS_CLASSES = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}
# One labelled child per (rule, method, status class): looked up once, then reused.
_children: dict[tuple[str, str, str], object] = {}


@bp.before_app_request
def start_clock():
    g.metrics_started = perf_counter()


@bp.after_app_request
def observe(response):
    started = g.pop("metrics_started", None)
    if started is not None:
        rule = request.url_rule
        observe_request(rule.rule if rule is not None else UNMATCHED, request.method, response.status_code,
                        perf_counter() - started)
    return response


def observe_request(rule: str, method: str, status: int, seconds: float) -> None:
    """Count and time one request answered by route `rule` (also used by requests answered before Flask)."""
    key = (rule, method if method in METHODS else "other", STATUS_CLASSES.get(status // 100, "other"))
    child = _children.get(key)
    if child is None:
        child = _children[key] = metrics.http_request_duration.labels(*key)
    child.observe(seconds)
