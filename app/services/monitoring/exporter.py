"""A small metrics endpoint for the processes that serve no HTTP themselves: the click drain and the worker.

Each of them keeps its metrics in its own registry (one long-lived process: nothing to add up across
processes) and answers Prometheus on its own port, with the same access rule as the web's `/metrics`.
"""
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from loguru import logger
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.services.monitoring import access


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # one line per scrape would only be noise
        pass


def metrics_app(registry, token: str | None):
    def app(environ, start_response):
        proxied = bool(environ.get("HTTP_X_FORWARDED_FOR") or environ.get("HTTP_FORWARDED"))
        if not access.allowed(environ.get("REMOTE_ADDR"), environ.get("HTTP_AUTHORIZATION"), proxied, token):
            start_response("401 Unauthorized", [("Content-Type", "text/plain; charset=utf-8"),
                                                ("WWW-Authenticate", 'Bearer realm="metrics"')])
            return [access.forbidden_body()]
        body = generate_latest(registry)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
        return [body]

    return app


def parse_address(address: str) -> tuple[str, int]:
    """`host:port`, `[::1]:port` or `:port` (all interfaces)."""
    host, _, port = address.strip().rpartition(":")
    return (host.strip("[]") or "0.0.0.0"), int(port)


def serve(address: str, registry, token: str | None, name: str):
    """Answer metrics on `address` in a background thread; returns the server, or None if it cannot listen."""
    if not address:
        return None
    try:
        host, port = parse_address(address)
        server = make_server(host, port, metrics_app(registry, token), server_class=_Server,
                             handler_class=_QuietHandler)
    except (OSError, ValueError) as exc:
        # Metrics are worth a warning, never worth stopping the drain or the worker for.
        logger.warning("{}: metrics not served on {!r}: {}", name, address, exc)
        return None
    threading.Thread(target=server.serve_forever, name=f"{name}-metrics", daemon=True).start()
    logger.info("{}: metrics on http://{}:{}/metrics", name, host, server.server_port)
    return server
