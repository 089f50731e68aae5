"""`/metrics`: Prometheus' view of the app, for a bearer of METRICS_TOKEN or a caller on loopback."""
from flask import Response, current_app, g, request

from app.blueprints.monitoring import bp
from app.extensions import csrf
from app.services.monitoring import access, exposition


@bp.get("/metrics")
def metrics():
    """Counters of every web process added up, plus the state read now (see README, "Monitoring")."""
    g.quiet_request = True  # scraped every 15 s: a log line each time would only be noise
    if not access.allowed(request.remote_addr, request.headers.get("Authorization"),
                          access.proxied(request.headers), current_app.config.get("METRICS_TOKEN")):
        return Response(access.forbidden_body(), 401, {"WWW-Authenticate": 'Bearer realm="metrics"',
                                                       "Content-Type": "text/plain; charset=utf-8"})
    body, content_type = exposition.render(exposition.state_collector(current_app))
    return Response(body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"})


csrf.exempt(bp)
