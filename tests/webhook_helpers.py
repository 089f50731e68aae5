"""A real HTTP server on loopback that records the webhooks it receives, and endpoint factories."""
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.extensions import db
from app.models.common import utcnow
from app.models.webhooks import WebhookEndpoint
from app.services.webhooks import endpoints, events


class Receiver:
    """Answers every POST with `status` (and `location` for a redirect) and keeps (headers, body) of each."""

    def __init__(self, status: int = 200, location: str | None = None):
        self.status, self.location = status, location
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _headers, body in self.received]


def verify(secret: str, header: str, body: bytes) -> bool:
    """The receiving side's check, as the README tells shops to write it."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def make_endpoint(owner, url: str, chosen=None) -> WebhookEndpoint:
    """An endpoint added directly (the form's network check is tested on its own)."""
    endpoint = WebhookEndpoint(owner_id=owner.id, url=url, events=list(chosen or events.EVENTS_FOR_ROLE[owner.role]),
                               secret=endpoints.new_secret(), is_active=True, failures_in_row=0, created_at=utcnow())
    db.session.add(endpoint)
    db.session.commit()
    return endpoint
