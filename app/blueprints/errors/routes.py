"""Error pages: HTML for people, JSON for the API."""
import sentry_sdk
from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from loguru import logger
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from app.blueprints.errors import bp
from app.extensions import db
from app.page_gate import PagesBusy
from app.statement_timeout import timed_out

MESSAGES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You do not have access to this page."),
    404: lambda: _("We could not find that page."),
    405: lambda: _("That action is not allowed here."),
    413: lambda: _("The upload is too large."),
    429: lambda: _("Too many requests. Please wait a moment and try again."),
    503: lambda: _("This page took too long to prepare and was stopped. Narrow the filters (a shorter date "
                   "range, one campaign) and try again."),
    500: lambda: _("Something went wrong on our side. Please try again."),
}
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
         422: "unprocessable", 429: "too_many_requests", 500: "server_error", 503: "timeout"}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None):
    message = message or MESSAGES.get(status, MESSAGES[500])()
    if wants_json():
        body = {"error": {"code": CODES.get(status, "error"), "message": message, "field": None}}
        return jsonify(body), status
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        # An inline htmx action failed: say so in the flash area instead of swapping a whole page into a row.
        html = render_template("errors/_flash_error.html", message=message)
        return html, status, {"HX-Retarget": "#flashes", "HX-Reswap": "innerHTML"}
    return render_template("errors/error.html", status=status, message=message), status


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    return error_response(400, _("Your form expired or was sent without its security token. "
                                 "Please reload the page and try again."))


@bp.app_errorhandler(RateLimitExceeded)
def rate_limited(error):
    from app.rate_limits import retry_after_seconds

    logger.warning("rate limit {} reached on {} {}", error.limit.limit, request.method, request.path)
    response = make_response(error_response(429))
    response.headers["Retry-After"] = str(retry_after_seconds())
    return response


@bp.app_errorhandler(PagesBusy)
def pages_busy(error):
    response = make_response(error_response(503, _(
        "Many pages are being prepared right now and this one could not get its turn. Please try again in "
        "a moment.")))
    response.headers["Retry-After"] = "5"
    return response


@bp.app_errorhandler(HTTPException)
def http_error(error):
    if error.code in (301, 302, 303, 307, 308) or error.code is None:
        return error
    return error_response(error.code, MESSAGES.get(error.code, lambda: error.description)())


@bp.app_errorhandler(DBAPIError)
def database_error(error):
    if not timed_out(error):
        return unexpected_error(error)
    db.session.rollback()
    logger.warning("page stopped by the statement time limit on {} {}", request.method, request.full_path)
    response = make_response(error_response(503))
    response.headers["Retry-After"] = "30"
    return response


@bp.app_errorhandler(Exception)
def unexpected_error(error):
    db.session.rollback()
    logger.exception("unhandled error on {} {}", request.method, request.path)
    # This handler answers every error, so Flask never reports it as unhandled: tell Sentry here
    # (a no-op without SENTRY_DSN).
    sentry_sdk.capture_exception(error)
    return error_response(500)
