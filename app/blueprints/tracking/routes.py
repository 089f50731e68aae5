"""The click redirect `/r/<code>` and the `flask tracking drain` command."""
import signal
import threading

import click
from flask import abort, current_app, g, redirect, request
from loguru import logger

from app.blueprints.tracking import bp
from app.blueprints.tracking.redirect_gateway import REFUSAL_KEY
from app.headers import keeps_linking_page_referrer_policy
from app.services.monitoring.exporter import serve
from app.services.monitoring.process_metrics import DrainMetrics
from app.services.tracking import drain, durability
from app.services.tracking.follow import COOKIE_NAME, LinkUnavailable, UnknownLink, follow_link


@bp.route("/r/<code>", methods=["GET", "HEAD"])
@keeps_linking_page_referrer_policy
def follow(code):
    """A tracking link: record the click and send the visitor on to the merchant at once.

    Clicks are answered by `redirect_gateway` before Flask; this view answers what it refused (with the
    refusal it met) and serves any request that reaches it directly.
    """
    refusal = request.environ.get(REFUSAL_KEY)
    if refusal is not None:
        abort(404 if isinstance(refusal, UnknownLink) else 503)
    args = request.args
    try:
        outcome = follow_link(
            code, to=args.get("to"), subs=[args.get(f"sub{i}") for i in range(1, 6)],
            ip=request.remote_addr, user_agent=request.headers.get("User-Agent"),
            referrer=request.headers.get("Referer"), record=request.method == "GET",
        )
    except UnknownLink:
        abort(404)
    except LinkUnavailable:
        abort(503)
    response = redirect(outcome.location, 302)
    if outcome.click_id:
        response.set_cookie(COOKIE_NAME, outcome.click_id, max_age=outcome.cookie_max_age, path="/",
                            samesite="Lax", httponly=True, secure=request.is_secure)
    response.headers["Cache-Control"] = "no-store"
    g.quiet_request = True  # every click is stored; a log line per redirect would cost a fifth of the CPU
    return response


@bp.cli.command("drain")
@click.option("--once", is_flag=True, help="Store what is waiting now, then exit.")
@click.option("--batch-size", default=drain.BATCH_SIZE, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--interval", default=0.25, show_default=True, type=click.FloatRange(0.01, 60),
              help="Seconds to gather clicks before each batch.")
def drain_command(once, batch_size, interval):
    """Move recorded clicks from Redis and the spool into the database (until SIGTERM/SIGINT)."""
    if once:
        click.echo(f"Stored {drain.drain_once(max_items=10**9)} clicks.")
        return
    app = current_app._get_current_object()
    durability.require_at_start(app, app.extensions.get("redis"))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    logger.info("click drain started (batches of up to {}, every {} s)", batch_size, interval)
    metrics = DrainMetrics()
    config = current_app.config
    exporter = serve(config["CLICK_DRAIN_METRICS_ADDRESS"], metrics.registry, config["METRICS_TOKEN"], "click drain")
    try:
        total = drain.run(stop, batch_size=batch_size, interval=interval, metrics=metrics)
    finally:
        if exporter is not None:
            exporter.shutdown()
    logger.info("click drain stopped after storing {} clicks", total)
