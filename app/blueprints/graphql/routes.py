"""The GraphQL endpoint: one URL for every query and mutation of every role.

Callers authenticate with a personal API key (`Authorization: Bearer …`) or, from a signed-in
browser, with their session; a session's POST must carry the CSRF token (`X-CSRFToken`). Requests
are counted per key (per person for a session) against the `graphql` rate limit. Answers follow
GraphQL over HTTP: JSON with `data` and `errors`, each error with a stable `extensions.code`.
"""
import json

from flask import current_app, g, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from loguru import logger
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType
from werkzeug.exceptions import HTTPException

from app.blueprints.graphql import bp, schema
from app.blueprints.graphql.context import Caller
from app.blueprints.graphql.errors import error_body, formatted
from app.extensions import csrf
from app.rate_limits import per_api_key_or_user, rate_limited, retry_after_seconds
from app.services.accounts import api_keys

MAX_JSON_BODY = 256 * 1024


class RequestProblem(Exception):
    def __init__(self, status: int, code: str, message: str, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


@bp.record_once
def build_schema(state):
    state.app.extensions["graphql_schema"] = schema.build(state.app.config)


def _answer(body: dict, status: int = 200, headers=None):
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(RequestProblem)
def request_problem(error: RequestProblem):
    return _answer(error_body(error.code, error.message), error.status, error.headers)


@bp.errorhandler(RateLimitExceeded)
def too_many(error):
    seconds = retry_after_seconds()
    logger.warning("rate limit {} reached on {} {}", error.limit.limit, request.method, request.path)
    body = error_body("RATE_LIMITED", f"Too many requests; try again in {seconds} seconds.")
    body["errors"][0]["extensions"]["retryAfter"] = seconds
    return _answer(body, 429, {"Retry-After": str(seconds)})


@bp.errorhandler(CSRFError)
def csrf_failed(_error):
    return _answer(error_body("CSRF_FAILED", "A signed-in browser must send the X-CSRFToken header with a POST."),
                   403)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    code = {413: "TOO_LARGE", 405: "METHOD_NOT_ALLOWED"}.get(error.code, "BAD_REQUEST")
    return _answer(error_body(code, error.description or error.name), error.code or 400)


def _authenticate() -> Caller:
    scheme, _, raw = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme:
        key = api_keys.authenticate(raw.strip()) if scheme.lower() == "bearer" else None
        if key is None:
            raise RequestProblem(401, "UNAUTHENTICATED", "The API key is wrong or has been revoked.",
                                 {"WWW-Authenticate": 'Bearer realm="graphql", error="invalid_token"'})
        g.api_key = key
        return Caller(user=key.user, key=key, ip=request.remote_addr)
    if current_user.is_authenticated:
        if request.method == "POST":
            # A browser sends its cookie to any site's form: only our own pages know the token.
            csrf.protect()
        return Caller(user=current_user._get_current_object(), ip=request.remote_addr)
    raise RequestProblem(401, "UNAUTHENTICATED", "Send your API key: Authorization: Bearer <key>.",
                         {"WWW-Authenticate": 'Bearer realm="graphql"'})


def _json(text: str | None, name: str):
    if text in (None, ""):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise RequestProblem(400, "BAD_REQUEST", f"“{name}” is not valid JSON.") from exc


def _place_file(operations: dict, path: str, upload) -> None:
    """Put an uploaded file where the multipart request's map says ("variables.proof")."""
    target, *keys = path.split(".")
    node = operations
    parts = [target, *keys]
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.get(part)
        if node is None:
            raise RequestProblem(400, "BAD_REQUEST", f"The map names “{path}”, which the operation does not have.")
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = upload
    else:
        node[last] = upload


def _params() -> dict:
    """query, variables, operationName (and files) from a GET, a JSON POST or a multipart POST."""
    if request.method == "GET":
        return {"query": request.args.get("query"), "variables": _json(request.args.get("variables"), "variables"),
                "operationName": request.args.get("operationName")}
    if request.mimetype == "multipart/form-data":
        operations = _json(request.form.get("operations"), "operations")
        mapping = _json(request.form.get("map"), "map") or {}
        if not isinstance(operations, dict) or not isinstance(mapping, dict):
            raise RequestProblem(400, "BAD_REQUEST", "Send “operations” and “map” as the multipart spec describes.")
        for name, paths in mapping.items():
            upload = request.files.get(name)
            if upload is None or not isinstance(paths, list):
                raise RequestProblem(400, "BAD_REQUEST", f"The file “{name}” named in the map was not sent.")
            for path in paths:
                _place_file(operations, str(path), upload)
        return operations
    if (request.content_length or 0) > MAX_JSON_BODY:
        raise RequestProblem(413, "TOO_LARGE", "The request body is too large.")
    if not request.is_json:
        raise RequestProblem(415, "UNSUPPORTED_MEDIA_TYPE", "POST JSON (Content-Type: application/json).")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise RequestProblem(400, "BAD_REQUEST", "The body must be a JSON object with a “query”.")
    return data


@bp.route("/graphql", methods=["GET", "POST"])
@csrf.exempt
@rate_limited("graphql_per_ip")
@rate_limited("graphql", key=per_api_key_or_user)
def endpoint():
    """Run one GraphQL operation as the caller (GET: queries only); in development, a browser gets GraphiQL."""
    if request.method == "GET" and "query" not in request.args:
        if current_app.config["GRAPHQL_EXPLORER"] and request.accept_mimetypes.accept_html:
            return render_template("graphql/explorer.html")
        raise RequestProblem(400, "BAD_REQUEST", "Send a query: POST {\"query\": …} or GET ?query=….")
    caller = _authenticate()
    params = _params()
    query, variables = params.get("query"), params.get("variables")
    if not isinstance(query, str) or not query.strip():
        raise RequestProblem(400, "BAD_REQUEST", "The request has no “query”.")
    if variables is not None and not isinstance(variables, dict):
        raise RequestProblem(400, "BAD_REQUEST", "“variables” must be a JSON object.")
    operation_name = params.get("operationName")
    allowed = {OperationType.QUERY} if request.method == "GET" else {OperationType.QUERY, OperationType.MUTATION}
    try:
        result = current_app.extensions["graphql_schema"].execute_sync(
            query, variable_values=variables, context_value=caller,
            operation_name=operation_name if isinstance(operation_name, str) else None,
            allowed_operation_types=allowed)
    except InvalidOperationTypeError as exc:
        raise RequestProblem(405, "METHOD_NOT_ALLOWED", "Send mutations with POST.", {"Allow": "POST"}) from exc
    body = {"data": result.data}
    if result.errors:
        body["errors"] = [formatted(error) for error in result.errors]
    # A request that never ran (it did not parse or fit the schema or the limits) is the client's fault;
    # one that ran answers 200, refusals of single fields included.
    never_ran = result.data is None and all(error.original_error is None for error in result.errors or ())
    return _answer(body, 400 if never_ran and result.errors else 200)
