"""The admin's Stripe actions on payout requests: pay now, retry or pay by hand after a failure, reverse, resume."""
from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.stripe_connect import bp
from app.blueprints.stripe_connect.forms import PayNowForm, ReverseForm
from app.blueprints.web import client_ip, form_errors
from app.extensions import db
from app.models.money import PayoutRequest
from app.models.users import User
from app.money import format_money
from app.security import role_required
from app.services.payouts.errors import PayoutError
from app.services.stripe_connect import accounts, reissue, reversals, runs
from app.services.stripe_connect.errors import StripeConnectError


def _request_or_404(request_id: int) -> PayoutRequest:
    found = db.session.get(PayoutRequest, request_id)
    if found is None:
        abort(404)
    return found


def _back(request_id: int):
    return redirect(url_for("payouts.admin_detail", request_id=request_id))


def _go(target: str):
    """To `target`; from the queue's htmx form the browser itself goes there (nothing is swapped into the list)."""
    if request.headers.get("HX-Request"):
        return Response(status=204, headers={"HX-Redirect": target})
    return redirect(target)


def _start(ids, back: str):
    """A run paying `ids` now, then its page; when nothing can be paid, back to `back` with the reason."""
    try:
        run = runs.start_now(ids, current_user.id, ip=client_ip())
    except StripeConnectError as exc:
        flash(exc.message, "error")
        return _go(back)
    return _go(url_for("stripe_connect.run", run_id=run.id))


@bp.post("/requests/<int:request_id>/pay-now")
@role_required("admin")
def pay_now(request_id: int):
    """Send one approved Stripe payout now instead of waiting for the daily run."""
    _request_or_404(request_id)
    return _start([request_id], url_for("payouts.admin_detail", request_id=request_id))


@bp.post("/pay-now")
@role_required("admin")
def pay_selection_now():
    """Send the ticked approved Stripe payouts now; others in the selection are left as they are."""
    form = PayNowForm()
    queue = url_for("payouts.admin_queue", status="approved", method="stripe")
    if not form.validate_on_submit() or not form.ids.data:
        flash(form_errors(form) or _("Select at least one payout request."), "error")
        return _go(queue)
    return _start(form.ids.data, queue)


def _make_again(request_id: int, make, said: str, then):
    """A refused Stripe payout made again by `make`; `then(new request)` is where the admin goes next."""
    _request_or_404(request_id)
    try:
        again = make(request_id, current_user.id, ip=client_ip())
    except (StripeConnectError, PayoutError) as exc:
        flash(exc.message, "error")
        return _back(request_id)
    flash(said % {"id": again.id}, "success")
    return then(again)


@bp.post("/requests/<int:request_id>/retry")
@role_required("admin")
def retry(request_id: int):
    """Try a refused Stripe payout again: a new approved request for the same amount, queued for Stripe."""
    return _make_again(request_id, reissue.through_stripe,
                       _("Payout request %(id)d made for the same amount; it waits for the next Stripe run."),
                       lambda again: _back(again.id))


@bp.post("/requests/<int:request_id>/pay-by-hand")
@role_required("admin")
def pay_by_hand(request_id: int):
    """Pay a refused Stripe payout by hand instead: a new approved request to the affiliate's manual details."""
    return _make_again(request_id, reissue.by_hand,
                       _("Payout request %(id)d made for the same amount; record the payment once it is sent."),
                       lambda again: redirect(url_for("payouts.confirm", request_id=again.id)))


@bp.post("/requests/<int:request_id>/reverse")
@role_required("admin")
def reverse(request_id: int):
    """Take a paid Stripe payout back from the affiliate's Stripe account; the amount returns to their balance."""
    payout = _request_or_404(request_id)
    form = ReverseForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _back(request_id)
    try:
        reversals.reverse(request_id, current_user.id, form.reason.data, ip=client_ip())
    except StripeConnectError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Transfer reversed: %(amount)s is back in the affiliate's balance.",
                amount=format_money(payout.amount, payout.currency)), "success")
    return _back(request_id)


@bp.post("/affiliates/<int:user_id>/resume")
@role_required("admin")
def resume(user_id: int):
    """Let the daily run pay this affiliate again after Stripe refused three payouts in a row."""
    if db.session.get(User, user_id) is None:
        abort(404)
    try:
        accounts.resume(user_id, current_user.id, ip=client_ip())
    except StripeConnectError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Automatic Stripe payouts resumed for this affiliate."), "success")
    back = db.session.scalar(db.select(PayoutRequest.id).where(PayoutRequest.affiliate_id == user_id)
                             .order_by(PayoutRequest.id.desc()).limit(1))
    return _back(back) if back else redirect(url_for("stripe_connect.runs"))
