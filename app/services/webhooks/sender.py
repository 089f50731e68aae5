"""One signed POST of a webhook body: to the checked address only, with a timeout, redirects re-checked.

The signature header is `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's secret>`.
"""
import hashlib
import hmac
import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin

from app.services.webhooks.urls import Target, UnsafeUrl, resolve

SIGNATURE_HEADER = "X-Webhook-Signature"
MAX_REDIRECTS = 3
USER_AGENT = "AffiliateWebhooks/1.0"


@dataclass
class Answer:
    ok: bool
    status: int | None
    error: str | None
    duration_ms: int


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to by now."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post_once(target: Target, body: bytes, headers: dict, timeout: float):
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = kind(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers={**headers, "Host": target.host})
        response = connection.getresponse()
        response.read(4096)  # enough to let the server finish; the body is not kept
        return response.status, response.getheader("Location")
    finally:
        connection.close()


def post(url: str, body: bytes, headers: dict, *, timeout: float, allow_private: bool) -> Answer:
    """POST `body` to `url`; 2xx is success. Every redirect target passes the same checks as the first address."""
    started = time.monotonic()

    def answer(ok, status, error):
        return Answer(ok, status, error, int((time.monotonic() - started) * 1000))

    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers}
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            target = resolve(url, allow_private)
            status, location = _post_once(target, body, headers, timeout)
        except UnsafeUrl as exc:
            return answer(False, None, f"refused: {exc.message}")
        except (OSError, http.client.HTTPException) as exc:
            return answer(False, None, f"{exc.__class__.__name__}: {exc}"[:500])
        if status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        return answer(200 <= status < 300, status, None if 200 <= status < 300 else f"HTTP {status}")
    return answer(False, None, f"more than {MAX_REDIRECTS} redirects")
