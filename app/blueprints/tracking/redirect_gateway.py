"""The click redirect answered in front of Flask's request machinery.

A click is the one request that arrives thousands of times a second, and everything it needs is a
link from the process's snapshot, one Redis append and a 302. Served as an ordinary Flask view, the
machinery around the view (request and session objects, URL matching, a dozen before/after hooks
written for pages: sign-in, language, rate limits, CSRF, statement timeouts) cost about a third of
the redirect's CPU, measured with a view that only redirects. So `GET`/`HEAD /r/<code>` is answered
here, inside the app's WSGI callable (behind ProxyFix, so the client address is the real one), with
the same answer the view gave: the same `follow_link`, the same cookie, the headers every response of
the app carries (`app.headers.redirect_headers`), the request id, and its count and time in the
request metrics under the route's rule.

Everything else goes to Flask unchanged, and so does every refusal: a code that cannot be a link, an
unknown code (404) or a link that cannot be looked up (503) is answered by the Flask view
`tracking.follow`, which renders the error page in the visitor's language. The refusal found here is
handed over in the WSGI environment so the view does not look the link up, or count the refusal, twice.
"""
import re
import time
from html import escape
from time import perf_counter
from urllib.parse import parse_qsl

from werkzeug.http import dump_cookie
from werkzeug.urls import iri_to_uri

from app.blueprints.monitoring.instrumentation import observe_request
from app.headers import redirect_headers
from app.logs import request_id_for
from app.request_input import CleanRequest
from app.services.tracking.follow import COOKIE_NAME, LinkUnavailable, UnknownLink, follow_link, is_code

PREFIX = "/r/"
RULE = "/r/<code>"
# The refusal this gateway met, for the Flask view that answers it.
REFUSAL_KEY = "affiliate.click_refusal"
SUB_NAMES = tuple(f"sub{i}" for i in range(1, 6))
# A location made only of these characters is already what `iri_to_uri` would make of it (werkzeug
# applies it to every Location header); the rest (non-ASCII, spaces, quotes) are quoted by it.
_NEEDS_QUOTING = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")


class ClickRedirectGateway:
    """WSGI middleware around `inner` (the app's WSGI callable) answering tracking links of `app`."""

    def __init__(self, app, inner):
        self.app = app
        self.inner = inner

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "")
        if not path.startswith(PREFIX) or method not in ("GET", "HEAD"):
            return self.inner(environ, start_response)
        code = path[len(PREFIX):]
        if not is_code(code):
            return self.inner(environ, start_response)
        started = perf_counter()
        args = query_values(environ)
        with self.app.app_context():
            try:
                outcome = follow_link(
                    code, to=args.get("to"), subs=[args.get(name) for name in SUB_NAMES],
                    ip=environ.get("REMOTE_ADDR"), user_agent=environ.get("HTTP_USER_AGENT"),
                    referrer=environ.get("HTTP_REFERER"), record=method == "GET",
                )
            except (UnknownLink, LinkUnavailable) as refusal:
                environ[REFUSAL_KEY] = refusal
                return self.inner(environ, start_response)
            secure = environ.get("wsgi.url_scheme") == "https"
            location = outcome.location
            if _NEEDS_QUOTING.search(location):
                location = iri_to_uri(location)
            response_headers = [("Location", location), ("Content-Type", "text/html; charset=utf-8")]
            if outcome.click_id:
                response_headers.append(("Set-Cookie", click_cookie(outcome.click_id, outcome.cookie_max_age, secure)))
            response_headers.extend(redirect_headers(secure))
            response_headers.append(("X-Request-ID", request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))))
            body = _body(location)
            response_headers.append(("Content-Length", str(len(body))))
            start_response("302 FOUND", response_headers)
            observe_request(RULE, method, 302, perf_counter() - started)
        return [] if method == "HEAD" else [body]


def query_values(environ) -> dict[str, str]:
    """The first value of each query parameter, as `request.args` reads them, NULs dropped.

    In a plain dict: a missing key in werkzeug's MultiDict costs an exception, and building the
    request object only for its arguments cost more than the rest of the gateway. A query holding
    anything but ASCII (browsers percent-encode the rest) goes through the request object itself.
    """
    query = environ.get("QUERY_STRING", "")
    if not query:
        return {}
    if not query.isascii():
        return CleanRequest(environ).args.to_dict()
    values: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote"):
        if "\x00" in name or "\x00" in value:
            name, value = name.replace("\x00", ""), value.replace("\x00", "")
        values.setdefault(name, value)
    return values


# The cookie's attributes (Expires, Max-Age, Path, flags) as werkzeug writes them, made once per second
# for each attribution window: Expires is written to the second, so within one second they are the same
# for every click, and only the click id differs (URL-safe characters, which need no quoting).
_cookie_attributes: dict[tuple[int, bool], str] = {}
_cookie_second = 0


def click_cookie(click_id: str, max_age: int, secure: bool) -> str:
    global _cookie_second
    now = int(time.time())
    if now != _cookie_second:
        _cookie_attributes.clear()
        _cookie_second = now
    attributes = _cookie_attributes.get((max_age, secure))
    if attributes is None:
        written = dump_cookie(COOKIE_NAME, "-", max_age=max_age, expires=now + max_age, path="/", secure=secure,
                              httponly=True, samesite="Lax")
        attributes = _cookie_attributes[(max_age, secure)] = written.partition(";")[2]
    return f"{COOKIE_NAME}={click_id};{attributes}"


def _body(location: str) -> bytes:
    shown = escape(location)
    return (f'<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n'
            f'<p><a href="{shown}">{shown}</a></p>\n').encode()
