"""The affiliate's Stripe account: opening it, Stripe's hosted onboarding and the way back, the Express dashboard.

The addresses that lead to Stripe are plain form posts and redirects (`hx-boost="false"` on the forms):
a browser follows a redirect to another site, an htmx request cannot.
"""
from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.payouts.affiliate_routes import render_details
from app.blueprints.stripe_connect import bp
from app.blueprints.stripe_connect.forms import ConnectForm
from app.blueprints.web import client_ip
from app.security import role_required
from app.services.common.mail import absolute_url
from app.services.stripe_connect import accounts
from app.services.stripe_connect.errors import CountryNotSupported, StripeConnectError

STATUS_MESSAGES = {
    "ready": lambda: (_("Your Stripe account is ready: payouts can now be sent to it."), "success"),
    "pending_verification": lambda: (_("Stripe is checking your details. We will show here when your account is "
                                       "ready."), "info"),
    "details_needed": lambda: (_("Stripe still needs some details before it can pay you."), "warning"),
    "restricted": lambda: (_("Stripe has restricted your account; see below what it needs."), "warning"),
}


def _details_page():
    return redirect(url_for("payouts.details", _anchor="stripe"))


def _through_stripe(call, then, category: str = "error"):
    """`then(call())`; when Stripe refuses or does not answer, back to the details page with the reason."""
    try:
        answer = call()
    except StripeConnectError as exc:
        flash(exc.message, category)
        return _details_page()
    return then(answer)


def _to_stripe():
    """To a fresh onboarding link (each works once and briefly)."""
    return _through_stripe(lambda: accounts.onboarding_link(
        current_user.id, return_url=absolute_url("stripe_connect.onboarding_return"),
        refresh_url=absolute_url("stripe_connect.onboarding_refresh")), lambda link: redirect(link, 303))


@bp.post("/account/connect")
@role_required("affiliate")
def connect():
    """Open the affiliate's Stripe account in the country they live in, then send them to Stripe's onboarding."""
    form = ConnectForm()
    if not form.validate_on_submit():
        return render_details(connect_form=form)
    try:
        accounts.open_account(current_user.id, form.country.data, ip=client_ip())
    except CountryNotSupported as exc:
        form.country.errors = [*form.country.errors, exc.message]
        return render_details(connect_form=form)
    except StripeConnectError as exc:
        flash(exc.message, "error")
        return _details_page()
    return _to_stripe()


@bp.post("/account/continue")
@role_required("affiliate")
def continue_onboarding():
    """Back to Stripe to give the details it still needs."""
    return _to_stripe()


@bp.get("/account/refresh")
@role_required("affiliate")
def onboarding_refresh():
    """Stripe sends the affiliate here when their onboarding link has expired or was used: make a new one."""
    return _to_stripe()


@bp.get("/account/return")
@role_required("affiliate")
def onboarding_return():
    """Stripe sends the affiliate back here: read the account's state from Stripe and say it in plain words."""
    def say(account):
        if account is not None:
            flash(*STATUS_MESSAGES[account.status]())
        return _details_page()

    return _through_stripe(lambda: accounts.refresh(current_user.id), say, "warning")


@bp.post("/account/dashboard")
@role_required("affiliate")
def dashboard():
    """Sign in to the affiliate's Stripe Express dashboard (bank account, payouts to the bank)."""
    return _through_stripe(lambda: accounts.dashboard_link(current_user.id), lambda link: redirect(link, 303))
