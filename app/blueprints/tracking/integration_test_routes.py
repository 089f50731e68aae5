"""Testing a shop's integration from the integration page: start a test, then watch what arrives."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.blueprints.forms import ConfirmForm
from app.blueprints.tracking import bp
from app.blueprints.tracking.integration_routes import merchant_id_of_page
from app.blueprints.web import wants_partial
from app.ids import is_id
from app.money import CURRENCIES
from app.security import role_required
from app.services.conversions import tracking_tests
from app.services.conversions.tracking_tests import NoCampaignToTest

POLL_SECONDS = 3
PROBLEMS = {
    "required": _l("the order id is missing."),
    "too_long": _l("the order id is longer than 255 characters."),
    "invalid_characters": _l("the order id contains control characters."),
    "invalid_type": _l("the amount is not a whole number in the currency's smallest unit."),
    "out_of_range": _l("the amount is negative or far too large."),
    "unknown_currency": _l("the currency is not one we know."),
    "invalid_email": _l("the customer email is not valid."),
    "other_campaign": _l("it was reported for another campaign than the one tested."),
    "currency_mismatch": _l("its currency differs from the campaign's."),
}


@bp.context_processor
def _test_helpers():
    return {"test_problem": lambda code: PROBLEMS.get(code, code), "money_currencies": CURRENCIES}


def render_test(test, merchant_id: int):
    """The test's panel: how to send the test order and, once it arrived, what was seen."""
    response = render_template("tracking/_integration_test.html", test=test, merchant_id=merchant_id,
                               landing=tracking_tests.landing_url(test), poll_seconds=POLL_SECONDS)
    return response, 200, {"Cache-Control": "no-store", "Vary": "HX-Request"}


@bp.post("/integration/test")
@role_required("merchant", "admin")
def start_tracking_test():
    """Start a test of the shop's integration for a campaign (the newest active one if none is chosen)."""
    merchant_id = merchant_id_of_page()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        test = tracking_tests.start(merchant_id, _chosen_campaign())
    except NoCampaignToTest as exc:
        flash(exc.message, "error")
        return redirect(url_for("tracking.integration", **_merchant_arg(merchant_id)))
    if wants_partial():
        return render_test(test, merchant_id)
    return redirect(url_for("tracking.tracking_test", test_id=test.id, **_merchant_arg(merchant_id)))


@bp.get("/integration/test/<int:test_id>")
@role_required("merchant", "admin")
def tracking_test(test_id: int):
    """One test's panel; it polls itself until the test order has arrived."""
    merchant_id = merchant_id_of_page()
    test = tracking_tests.get_for_merchant(test_id, merchant_id)
    if test is None:
        abort(404)
    if wants_partial():
        return render_test(test, merchant_id)
    return render_template("tracking/integration_test.html", test=test, merchant_id=merchant_id,
                           landing=tracking_tests.landing_url(test), poll_seconds=POLL_SECONDS)


def _chosen_campaign() -> int | None:
    chosen = request.form.get("campaign", type=int)
    return chosen if is_id(chosen) else None


def _merchant_arg(merchant_id: int) -> dict:
    return {"merchant": merchant_id} if current_user.role == "admin" else {}
