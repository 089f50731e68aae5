"""A time limit for the database statements of the pages people read (Postgres).

A report that runs away must fail alone, with a clear message, instead of holding a worker (and the
clicks queued behind it) for minutes. Every transaction a page request opens, on the request's
session or on a connection of its own (the analytics reader), starts with `SET LOCAL
statement_timeout`, so the limit ends with the transaction and never follows a pooled connection
into a tracking request, a job or a command. Tracking, the conversion API, health checks and
metrics are not pages: they keep the server's own limit. Writes (POST) are left alone too: a
decision or a payout must finish once it has begun. `PAGE_STATEMENT_TIMEOUT_MS` sets the limit
(0: none). With the page gate on (app/page_gate.py) a page's queries also run without parallel
workers, so each page holds one backend, as the gate counts.
"""
from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

# The statement was cancelled because it ran past statement_timeout (Postgres SQLSTATE 57014).
QUERY_CANCELED = "57014"
READING = ("GET", "HEAD")
# Endpoints that are not pages: the tracking contract, the API a shop calls, health checks, metrics.
NOT_PAGES = ("static", "health.", "monitoring.", "tracking.follow", "tracking.aff_js", "tracking.conversion_pixel",
             "api.postback", "api.get_conversion")


def is_page_request() -> bool:
    endpoint = request.endpoint or ""
    return request.method in READING and bool(endpoint) and not endpoint.startswith(NOT_PAGES)


def init_app(app) -> None:
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    if postgres and not event.contains(Engine, "begin", _on_begin):
        event.listen(Engine, "begin", _on_begin)


def _on_begin(connection) -> None:
    if not has_request_context() or connection.dialect.name != "postgresql":
        return
    if not is_page_request():
        return
    settings = []
    limit = current_app.config["PAGE_STATEMENT_TIMEOUT_MS"]
    if limit:
        settings.append(f"SET LOCAL statement_timeout = {int(limit)}")
    if current_app.config["PAGE_CONCURRENCY"]:
        # The page gate counts one backend per page: parallel workers would be more, uncounted.
        settings.append("SET LOCAL max_parallel_workers_per_gather = 0")
    if not settings:
        return
    # psycopg opens the transaction with the first statement, so this one starts it and holds only there.
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute("; ".join(settings))


def timed_out(error) -> bool:
    """Whether a database error is a statement cancelled by the time limit."""
    return getattr(getattr(error, "orig", None), "sqlstate", None) == QUERY_CANCELED
