"""The affiliate's side of payouts: balances, payout details, requesting, cancelling, the history."""
from flask import Response, current_app, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.payouts import bp
from app.blueprints.payouts.forms import PayoutDetailsForm, PayoutRequestForm
from app.blueprints.stripe_connect.forms import ConnectForm
from app.blueprints.web import client_ip, page_arg, respond, show_refusal
from app.headers import allow_form_action
from app.labels import label
from app.models.common import utcnow
from app.models.money import PayoutRequest
from app.money import format_money
from app.security import get_owned_or_404, role_required
from app.services.ledger import balances, owed
from app.services.ledger.owed import BalanceOwed
from app.services.payouts import details as payout_details
from app.services.payouts import history_csv, requests, states
from app.services.payouts.errors import InvalidPayoutDetails, InvalidPayoutTransition, PayoutError
from app.services.stripe_connect import accounts as stripe_accounts
from app.services.stripe_connect import client as stripe_client
from app.services.stripe_connect import queries as stripe_queries
from app.services.stripe_connect.errors import StripeConnectError


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
    sort = requests.HISTORY_SORTS.read(request.args)
    page = requests.requests_of(current_user.id, page_arg(), sort=sort)
    timelines = requests.timelines(r.id for r in page.items)
    names = requests.names_of(e.actor_id for events in timelines.values() for e in events)
    return respond("payouts/mine.html", "payouts/_history.html", page=page, sort=sort, timelines=timelines,
                   names=names,
                   balances=balances.for_affiliate(current_user.id),
                   profile=payout_details.profile_of(current_user.id), proof_url=proof_url,
                   stripe_items=stripe_queries.latest_items(r.id for r in page.items if r.method == "stripe"))


@bp.get("/export.csv")
@role_required("affiliate")
def mine_export():
    """Every payout request of the affiliate (account numbers masked), as a CSV file streamed as it is written."""
    name = f"payouts-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(stream_with_context(history_csv.affiliate_csv(current_user.id)),
                    content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


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
    stripe_account = stripe_accounts.account_of(current_user.id) if stripe_client.configured() else None
    profile = payout_details.profile_of(current_user.id)
    has_details = profile is not None and profile.payout_method in payout_details.METHODS
    where = payout_details.destination(payout_details.details_of(profile)) if has_details else None
    form = PayoutRequestForm(currencies=_currencies(amounts), details=where,
                             stripe_ready=stripe_account is not None and stripe_account.is_ready)
    if request.method == "GET" and request.args.get("currency") in dict(form.currency.choices):
        form.currency.data = request.args["currency"]
    if form.validate_on_submit():
        try:
            made = requests.request_payout(current_user.id, form.minor_amount, form.currency.data,
                                           method=form.chosen_method, ip=client_ip())
        except (PayoutError, BalanceOwed, StripeConnectError) as exc:
            show_refusal(form, exc)
        else:
            flash(_("Payout of %(amount)s requested. We will email you when it is approved.",
                    amount=format_money(made.amount, made.currency)), "success")
            return redirect(url_for("payouts.mine"))
    minimums = {c: requests.minimum_for(c) for c, _label in form.currency.choices}
    return render_template("payouts/request.html", form=form, balances=amounts, profile=profile,
                           has_details=has_details, minimums=minimums, stripe_account=stripe_account,
                           stripe_currencies=stripe_accounts.payout_currencies())


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


def _details_form(profile, *, posted: bool) -> PayoutDetailsForm:
    """The details form: filled from the post, or from the saved profile when `posted` is false."""
    form = PayoutDetailsForm(obj=profile) if posted else PayoutDetailsForm(formdata=None, obj=profile)
    if not posted and profile is not None:
        form.method.data = profile.payout_method
        if profile.bank_code != payout_details.OTHER_BANK:
            form.bank_name.data = ""  # the list's name of a listed bank is not typed by anyone
    return form


def render_details(form: PayoutDetailsForm | None = None, connect_form: ConnectForm | None = None):
    """The payout details page with its Stripe panel; also shown again by the Stripe form when it has errors."""
    if form is None:
        form = _details_form(payout_details.profile_of(current_user.id), posted=False)
    stripe = None
    if stripe_client.configured():
        stripe = stripe_queries.account_view(current_user.id, balances.for_affiliate(current_user.id))
        connect_form = connect_form or ConnectForm(formdata=None)
        allow_form_action(current_app.config["STRIPE_HOSTED_ORIGIN"])
    return render_template("payouts/details.html", form=form, stripe=stripe, connect_form=connect_form)


@bp.route("/details", methods=["GET", "POST"])
@role_required("affiliate")
def details():
    """Choose how to be paid by hand (bank account, Momo or PayPal), or connect a Stripe account."""
    profile = payout_details.profile_of(current_user.id)
    form = _details_form(profile, posted=request.method == "POST")
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
    return render_details(form)
