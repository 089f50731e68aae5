"""The stand-in Stripe's HTTP side: authentication, idempotency keys, routing, failures and the hosted pages.

Idempotency follows Stripe's documented rules: a POST's `Idempotency-Key` (per API key and account)
keeps the first result — success or error, once the request began executing — for 24 hours; the same
key with the same parameters answers that result again (`Idempotent-Replayed: true`), with other
parameters an `idempotency_error`, and while the first request is still running `idempotency_key_in_use`
(409). Refusals before execution (bad parameters, 429, 503) are not kept. GETs ignore the key.
"""
import json
import re
import threading
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.fakes.stripe_api import objects
from tests.fakes.stripe_api.faults import FaultPlan
from tests.fakes.stripe_api.forms import canonical, decode
from tests.fakes.stripe_api.state import API_VERSION, FakeError, StripeState

KEY_LIFETIME = 24 * 3600

ROUTES = [  # (method, pattern, name); ids are captured in order
    ("POST", r"/v1/accounts", "create_account"),
    ("GET", r"/v1/accounts/(acct_\w+)", "get_account"),
    ("POST", r"/v1/accounts/(acct_\w+)", "update_account"),
    ("POST", r"/v1/accounts/(acct_\w+)/login_links", "create_login_link"),
    ("POST", r"/v1/account_links", "create_account_link"),
    ("POST", r"/v1/transfers", "create_transfer"),
    ("GET", r"/v1/transfers", "list_transfers"),
    ("GET", r"/v1/transfers/(tr_\w+)", "get_transfer"),
    ("POST", r"/v1/transfers/(tr_\w+)/reversals", "create_reversal"),
    ("GET", r"/v1/balance", "get_balance"),
]


@dataclass
class KeptResult:
    fingerprint: tuple
    created: int
    status: int = 0
    body: dict | None = None
    running: bool = True


@dataclass
class Call:
    """One API request as received, for tests that count what the app asked."""

    method: str
    path: str
    params: dict
    idempotency_key: str | None
    replayed: bool = False


class _Answer(Exception):
    def __init__(self, status: int, body: dict | None = None, headers: dict | None = None, drop: bool = False):
        super().__init__(status)
        self.status, self.body, self.headers, self.drop = status, body, headers or {}, drop


class Api:
    """Everything between the decoded request and the JSON answer; the handler below only moves bytes."""

    def __init__(self, state: StripeState, faults: FaultPlan, api_key: str):
        self.state, self.faults, self.api_key = state, faults, api_key
        self.kept: dict[tuple, KeptResult] = {}
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    def answer(self, method: str, path: str, params: dict, headers) -> tuple[int, dict, dict]:
        key = headers.get("Idempotency-Key") if method == "POST" else None
        call = Call(method, path, params, key)
        with self._lock:
            self.calls.append(call)
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            raise _Answer(401, objects.error_body("invalid_request_error", "Invalid API Key provided."))
        route = _route(method, path)
        fault = self.faults.take(method, path)
        if fault is not None and fault.mode in ("unavailable", "rate_limit"):
            fault.reached.set()
            if fault.mode == "rate_limit":
                raise _Answer(429, objects.error_body(
                    "invalid_request_error", "Request rate limit exceeded. Learn more about rate limits here "
                    "https://stripe.com/docs/rate-limits.", "rate_limit"))
            raise _Answer(503, objects.error_body("api_error", "The server is temporarily unavailable."))
        scope = (self.api_key, headers.get("Stripe-Account"), key)
        if key:
            replay = self._claim_key(scope, (method, path, canonical(params)), call)
            if replay is not None:
                return replay
        if fault is not None and fault.mode == "hold_before":
            fault.reached.set()
            fault.release.wait(fault.delay)
            self._forget(scope)
            raise _Answer(0, drop=True)
        try:
            status, body = 200, self._execute(route, params, {"id": objects.new_id("req", 14), "idempotency_key": key})
        except FakeError as exc:
            if not exc.stored:
                self._forget(scope)
                raise _Answer(exc.status, exc.body) from exc
            status, body = exc.status, exc.body
        if fault is not None and fault.mode == "error_after":
            status, body = 500, objects.error_body("api_error", "An unknown error occurred")
        if key:
            self._keep(scope, status, body)
        if fault is not None and fault.mode in ("timeout_after", "hold_after"):
            fault.reached.set()
            (fault.release.wait if fault.mode == "hold_after" else threading.Event().wait)(fault.delay)
        return status, body, {}

    def _claim_key(self, scope, fingerprint, call: Call):
        with self._lock:
            kept = self.kept.get(scope)
            if kept is not None and kept.created + KEY_LIFETIME < self.state.now():
                kept = None  # keys are pruned after 24 hours; the key is new again
            if kept is None:
                self.kept[scope] = KeptResult(fingerprint, self.state.now())
                return None
            if kept.fingerprint != fingerprint:
                raise _Answer(400, objects.error_body(
                    "idempotency_error", "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{scope[2]}' if you meant to execute "
                    "a different request."))
            if kept.running:
                raise _Answer(409, objects.error_body(
                    "invalid_request_error", "There is currently another in-progress request using this "
                    f"Idempotent Key (that probably means you submitted twice, and the other request is still "
                    f"going through): {scope[2]}. Please try again later.", "idempotency_key_in_use"))
            call.replayed = True
            return kept.status, kept.body, {"Idempotent-Replayed": "true"}

    def _keep(self, scope, status: int, body: dict) -> None:
        with self._lock:
            self.kept[scope].status, self.kept[scope].body, self.kept[scope].running = status, body, False

    def _forget(self, scope) -> None:
        with self._lock:
            self.kept.pop(scope, None)

    def _execute(self, route, params: dict, request: dict) -> dict:
        name, ids = route
        state = self.state
        if name == "create_account":
            return state.create_account(params)
        if name == "get_account":
            return state.retrieve_account(ids[0])
        if name == "update_account":
            return state.update_account(ids[0], params)
        if name == "create_login_link":
            return state.create_login_link(ids[0])
        if name == "create_account_link":
            return state.create_account_link(params)
        if name == "create_transfer":
            return state.create_transfer(params, request)
        if name == "list_transfers":
            return state.list_transfers(params)
        if name == "get_transfer":
            return state.transfer(ids[0])
        if name == "create_reversal":
            return state.create_reversal(ids[0], params, request)
        return state.balance()


def _route(method: str, path: str):
    for route_method, pattern, name in ROUTES:
        match = re.fullmatch(pattern, path)
        if match and route_method == method:
            return name, match.groups()
    raise _Answer(404, objects.error_body(
        "invalid_request_error", f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/."))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the stripe library's session expects
    # Headers and body go out in two writes; without TCP_NODELAY the second waits for a delayed ACK (40 ms).
    disable_nagle_algorithm = True
    server_version = "fake-stripe"
    api: Api  # set on the server class

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def _serve(self, method: str) -> None:
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else query
        if not path.startswith("/v1/"):
            return self._page(method, path, decode(raw))
        try:
            status, body, headers = self.server.api.answer(method, path, decode(raw), self.headers)
        except _Answer as answer:
            if answer.drop:
                self.close_connection = True
                return None
            status, body, headers = answer.status, answer.body, answer.headers
        except ValueError as exc:
            status, body, headers = 400, objects.error_body("invalid_request_error", str(exc)), {}
        self._send(status, json.dumps(body).encode(), "application/json", {
            "Request-Id": objects.new_id("req", 14), "Stripe-Version": API_VERSION, **headers,
            **({"Idempotency-Key": self.headers["Idempotency-Key"]} if self.headers.get("Idempotency-Key") else {})})
        return None

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout, or it was killed)

    def _redirect(self, url: str) -> None:
        self._send(302, b"", "text/plain", {"Location": url})

    def _page(self, method: str, path: str, form: dict) -> None:
        """Stripe-hosted onboarding (`/setup/e/<account>/<link>`) and the Express dashboard (`/express/...`)."""
        state = self.server.api.state
        match = re.fullmatch(r"/setup/e/(acct_\w+)/(link_\w+)(/submit)?", path)
        if match and method == "GET" and not match.group(3):
            outcome, link = state.open_link(match.group(2))
            if outcome == "refresh":
                return self._redirect(link["refresh_url"])
            if outcome == "form":
                action = escape(f"{path}/submit")
                html = (f"<!doctype html><title>Stripe onboarding</title><h1>Set up payouts</h1>"
                        f"<p>Account {escape(match.group(1))}</p><form method=post action='{action}'>"
                        f"<button type=submit>Agree and submit</button></form>")
                return self._send(200, html.encode(), "text/html; charset=utf-8")
        if match and method == "POST" and match.group(3):
            link = state.links.get(match.group(2))
            if link is not None and link["account"] == match.group(1):
                state.finish_onboarding(match.group(1))
                return self._redirect(link["return_url"])
        if re.fullmatch(r"/express/acct_\w+/ll_\w+", path) and method == "GET":
            return self._send(200, b"<!doctype html><title>Express dashboard</title><h1>Your payouts</h1>",
                              "text/html; charset=utf-8")
        return self._send(404, b"not found", "text/plain")


class FakeStripeServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, api: Api):
        super().__init__(("127.0.0.1", 0), Handler)
        self.api = api
