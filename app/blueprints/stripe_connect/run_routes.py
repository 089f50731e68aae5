"""Payout runs as the admin watches them (progress while running, outcome after) and the reconciliation."""
from flask import abort, request

from app.blueprints.stripe_connect import bp
from app.blueprints.stripe_connect.forms import DaysForm
from app.blueprints.web import page_arg, respond, wants_partial
from app.extensions import db
from app.models.stripe_connect import StripePayoutRun
from app.security import role_required
from app.services.stripe_connect import client as stripe_client
from app.services.stripe_connect import queries
from app.services.stripe_connect import reconcile as reconciliation
from app.services.stripe_connect.errors import REASONS, StripeConnectError


@bp.get("/runs")
@role_required("admin")
def runs():
    """Every Stripe payout run, newest first, with when the next daily run starts and what waits for it."""
    sort = queries.RUN_SORTS.read(request.args)
    # The headings and page links swap the list only; the rest of the page is read for the whole page.
    whole = {} if wants_partial() else {"next_run_at": queries.next_run_at(), "waiting": queries.waiting()}
    return respond("stripe_connect/runs.html", "stripe_connect/_runs.html", page=queries.runs_page(page_arg(), sort),
                   sort=sort, **whole)


@bp.get("/runs/<int:run_id>")
@role_required("admin")
def run(run_id: int):
    """One run: live progress while it works (the partial polls itself), its outcome afterwards."""
    found = db.session.get(StripePayoutRun, run_id)
    if found is None:
        abort(404)
    return respond("stripe_connect/run.html", "stripe_connect/_run_progress.html", progress=queries.progress(found))


@bp.get("/reconcile")
@role_required("admin")
def reconcile():
    """Stripe's transfers compared with our payout requests and ledger, over the chosen window."""
    form = DaysForm(request.args)
    days = int(form.days.data) if form.validate() else 30
    report, error = None, None
    try:
        report = reconciliation.compare(days)
    except StripeConnectError as exc:
        error = exc.message
    return respond("stripe_connect/reconcile.html", "stripe_connect/_reconcile_report.html", form=form, report=report,
                   error=error)


@bp.app_context_processor
def _stripe_template_helpers():
    """Whether Stripe payouts are set up (pages offer their actions only then), and the words for run outcomes."""
    return {"stripe_payouts_enabled": stripe_client.configured(), "reasons": REASONS}
