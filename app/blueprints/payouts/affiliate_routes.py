"""The affiliate's side of payouts: balances, payout details, requesting, cancelling, the history."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.payouts import bp
from app.blueprints.payouts.forms import PayoutDetailsForm, PayoutRequestForm
from app.blueprints.web import client_ip, page_arg, respond, show_refusal
from app.labels import label
from app.models.money import PayoutRequest
from app.money import format_money
from app.security import get_owned_or_404, role_required
from app.services.ledger import balances, owed
from app.services.ledger.owed import BalanceOwed
from app.services.payouts import details as payout_details
from app.services.payouts import requests, states
from app.services.payouts.errors import InvalidPayoutDetails, InvalidPayoutTransition, PayoutError


@bp.app_template_filter("mask")
def mask_filter(number):
    """`{{ account|mask }}` → "•••• 6789"."""
    return payout_details.mask(number)


@bp.app_template_filter("payout_destination")
def destination_filter(details):
    """`{{ request.details|payout_destination }}` → "Vietcombank •••• 6789" (masked)."""
    return payout_details.destination(details)


@bp.app_template_filter("payout_details_of")
def details_of_filter(profile):
    """`{{ profile|payout_details_of }}`: the profile's default method and details as a dict, or None."""
    return payout_details.details_of(profile)


def proof_url(payout: PayoutRequest) -> str | None:
    """The proof-of-payment download, when the payment has a proof."""
    return url_for("payouts.proof", request_id=payout.id) if payout.proof_path else None


@bp.get("/")
@role_required("affiliate")
def mine():
    """The affiliate's payouts: balance per currency, payout details, and every request with its timeline."""
    page = requests.requests_of(current_user.id, page_arg())
    timelines = requests.timelines(r.id for r in page.items)
    names = requests.names_of(e.actor_id for events in timelines.values() for e in events)
    return respond("payouts/mine.html", "payouts/_history.html", page=page, timelines=timelines, names=names,
                   balances=balances.for_affiliate(current_user.id),
                   profile=payout_details.profile_of(current_user.id), proof_url=proof_url)


@bp.get("/balance")
@role_required("affiliate")
def balance():
    """The ledger entries, conversions and requests behind each figure of the affiliate's balance."""
    figures = balances.for_affiliate(current_user.id, with_entries=True)
    owed_causes = {currency: owed.causes(current_user.id, currency, -b.available)
                   for currency, b in figures.items() if b.available < 0}
    return render_template("payouts/balance.html", balances=figures, owed_causes=owed_causes,
                           limit=balances.ENTRY_LIMIT)


def _currencies(amounts: dict) -> list[str]:
    default = current_app.config["DEFAULT_CURRENCY"]
    return sorted(set(amounts) | {default}, key=lambda c: (c != default, c))


@bp.route("/request", methods=["GET", "POST"], endpoint="request")
@role_required("affiliate")
def new_request():
    """Ask for a payout of (part of) the available balance in one currency."""
    amounts = balances.for_affiliate(current_user.id)
    form = PayoutRequestForm(currencies=_currencies(amounts))
    if request.method == "GET" and request.args.get("currency") in dict(form.currency.choices):
        form.currency.data = request.args["currency"]
    if form.validate_on_submit():
        try:
            made = requests.request_payout(current_user.id, form.minor_amount, form.currency.data, ip=client_ip())
        except (PayoutError, BalanceOwed) as exc:
            show_refusal(form, exc)
        else:
            flash(_("Payout of %(amount)s requested. We will email you when it is approved.",
                    amount=format_money(made.amount, made.currency)), "success")
            return redirect(url_for("payouts.mine"))
    profile = payout_details.profile_of(current_user.id)
    has_details = profile is not None and profile.payout_method in payout_details.METHODS
    minimums = {c: requests.minimum_for(c) for c, _label in form.currency.choices}
    return render_template("payouts/request.html", form=form, balances=amounts, profile=profile,
                           has_details=has_details, minimums=minimums)


@bp.post("/<int:request_id>/cancel")
@role_required("affiliate")
def cancel(request_id: int):
    """Withdraw one of the affiliate's own requests while it still waits for approval."""
    get_owned_or_404(PayoutRequest, request_id)
    try:
        cancelled = states.cancel(request_id, current_user.id, ip=client_ip())
    except InvalidPayoutTransition as exc:
        flash(_("This request can no longer be cancelled: it is %(status)s.", status=label(exc.status).lower()),
              "error")
    else:
        flash(_("Payout request cancelled; %(amount)s is available again.",
                amount=format_money(cancelled.amount, cancelled.currency)), "success")
    return redirect(url_for("payouts.mine"))


@bp.route("/details", methods=["GET", "POST"])
@role_required("affiliate")
def details():
    """Choose how to be paid and fill in that method's details (bank account, Momo or PayPal)."""
    profile = payout_details.profile_of(current_user.id)
    form = PayoutDetailsForm(obj=profile)
    if request.method == "GET" and profile is not None:
        form.method.data = profile.payout_method
        if profile.bank_code != payout_details.OTHER_BANK:
            form.bank_name.data = ""  # the list's name of a listed bank is not typed by anyone
    if form.validate_on_submit():
        try:
            payout_details.update(current_user.id, form.method.data, form.values(), ip=client_ip())
        except InvalidPayoutDetails as exc:
            form[exc.field].errors.append(exc.message)
        except PayoutError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(_("Payout details saved. New payout requests will be sent there."), "success")
            return redirect(url_for("payouts.mine"))
    return render_template("payouts/details.html", form=form)
