"""The merchant's integration page: every snippet to connect a shop, filled in with their own values."""
from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.forms import ConfirmForm
from app.blueprints.tracking import bp
from app.blueprints.tracking.integration_forms import SigningSecretForm
from app.blueprints.web import id_arg, wants_partial
from app.money import exponent
from app.security import role_required
from app.services.conversions import integration, stripe_endpoint
from app.services.conversions.stripe_endpoint import InvalidSigningSecret, NotAMerchant


def merchant_id_of_page() -> int:
    """The merchant whose integration this is: oneself, or the one an admin chose (404 if none)."""
    return _merchant_id()


def _merchant_id(required: bool = True) -> int | None:
    """A merchant works on their own page; an admin picks a merchant with ?merchant=<id>."""
    if current_user.role == "merchant":
        return current_user.id
    chosen = id_arg("merchant")
    if chosen is None and required:
        abort(404)
    return chosen


def _info(merchant_id: int):
    try:
        return integration.for_merchant(merchant_id)
    except NotAMerchant:
        abort(404)


def example_amount(currency: str) -> int:
    """A believable order amount in minor units for the examples: 150.000 ₫ or 19.99 $."""
    return 150000 if exponent(currency) == 0 else 1999


def _page_url(merchant_id: int) -> str:
    if current_user.role == "admin":
        return url_for("tracking.integration", merchant=merchant_id)
    return url_for("tracking.integration")


def _render(info, secret_form=None, status=None):
    """The whole page, or only the Stripe card when htmx asks for it."""
    context = dict(info=info, base=current_app.config["PUBLIC_BASE_URL"],
                   url_form=ConfirmForm(formdata=None), secret_form=secret_form or SigningSecretForm(formdata=None),
                   merchant_arg={"merchant": info.merchant.id} if current_user.role == "admin" else {},
                   stripe_status=status,
                   example_amount=example_amount)
    template = "tracking/_integration_stripe.html" if wants_partial() else "tracking/integration.html"
    if template == "tracking/integration.html" and current_user.role == "admin":
        context["merchants"] = integration.merchant_choices()
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("HX-Request")
    return response


@bp.get("/integration", endpoint="integration")
@role_required("merchant", "admin")
def integration_page():
    """How a merchant connects a shop: aff.js, the pixel, the API, postbacks and Stripe, with their own values."""
    merchant_id = _merchant_id(required=False)
    if merchant_id is None:
        response = make_response(render_template("tracking/integration.html", info=None,
                                                 merchants=integration.merchant_choices()))
        response.headers["Cache-Control"] = "no-store"
        return response
    return _render(_info(merchant_id))


@bp.post("/integration/stripe/url")
@role_required("merchant", "admin")
def stripe_webhook_url():
    """Create the merchant's Stripe webhook address, or replace it (the old one stops working)."""
    merchant_id = _merchant_id()
    info = _info(merchant_id)
    if ConfirmForm().validate_on_submit():
        stripe_endpoint.new_webhook_token(merchant_id, current_user.id, ip=request.remote_addr)
        message = _("Webhook address ready. Add it as an endpoint in your Stripe dashboard.")
        if wants_partial():
            return _render(_info(merchant_id), status=message)
        flash(message, "success")
    return redirect(_page_url(info.merchant.id))


@bp.post("/integration/stripe/secret")
@role_required("merchant", "admin")
def stripe_signing_secret():
    """Save the signing secret Stripe shows for the merchant's endpoint; only a masked form is shown later."""
    merchant_id = _merchant_id()
    info = _info(merchant_id)
    form = SigningSecretForm()
    if form.validate_on_submit():
        try:
            stripe_endpoint.set_signing_secret(merchant_id, form.secret.data, current_user.id, ip=request.remote_addr)
        except InvalidSigningSecret:
            form.secret.errors.append(_("A signing secret starts with whsec_ and has no spaces; "
                                        "paste it exactly as Stripe shows it."))
        else:
            message = _("Signing secret saved. Stripe's events are now checked with it.")
            if wants_partial():
                return _render(_info(merchant_id), status=message)
            flash(message, "success")
            return redirect(_page_url(merchant_id))
    return _render(info, secret_form=form)
