"""Logging through loguru: console, an optional rotating file, one line per request."""
import os
import sys
import time

from flask import g, has_request_context, request
from loguru import logger


def _add_request_id(record) -> None:
    # Every line logged while serving a request carries that request's id.
    if has_request_context() and "request_id" in g:
        record["extra"]["request_id"] = g.request_id


def request_id_for(incoming: str) -> str:
    """The id of a request: the one a proxy or load balancer sent (if short and printable), else a new one."""
    return incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else os.urandom(16).hex()


def init_logging(app) -> None:
    logger.remove()
    level = app.config["LOG_LEVEL"]
    serialize = app.config["LOG_JSON"]
    fmt = "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level:<7} | {extra[request_id]} | {message}"
    logger.configure(extra={"request_id": "-"}, patcher=_add_request_id)
    logger.add(sys.stderr, level=level, serialize=serialize, format=fmt, backtrace=False, diagnose=False)
    if app.config["LOG_FILE"]:
        logger.add(app.config["LOG_FILE"], level=level, serialize=serialize, format=fmt,
                   rotation="10 MB", retention=10, enqueue=True, backtrace=False, diagnose=False)

    @app.before_request
    def start_timer():
        g.request_started = time.perf_counter()
        g.request_id = request_id_for(request.headers.get("X-Request-ID", ""))

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        if started is None:
            return response
        took_ms = (time.perf_counter() - started) * 1000
        response.headers["X-Request-ID"] = g.request_id
        # A view answering thousands of requests a second whose work is stored anyway (the click
        # redirect) sets g.quiet_request: this line would cost it a fifth of its CPU.
        if not g.get("quiet_request"):
            logger.info(
                "{} {} {} {:.1f}ms", request.method, request.path, response.status_code, took_ms
            )
        return response
