"""The admin's payout queue: filter, approve or reject one request or a selection, see one request."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from app.blueprints.payouts import bp
from app.blueprints.payouts.admin_forms import BulkApproveForm, FailForm, QueueFilterForm, RejectForm
from app.blueprints.stripe_connect.forms import ReverseForm
from app.blueprints.web import (
    RowDecisions,
    client_ip,
    display_timezone,
    form_errors,
    ids_in_view,
    page_arg,
    read_filters,
    respond,
    row_answer,
    wants_partial,
)
from app.extensions import db
from app.labels import label
from app.models.money import PayoutRequest
from app.security import role_required
from app.services.ledger import balances
from app.services.payouts import bank_csv, queries, states
from app.services.payouts.details import mask
from app.services.payouts.errors import InvalidPayoutTransition, PayoutError, PayoutNotFound, ReasonRequired
from app.services.payouts.queries import PayoutFilters
from app.services.stripe_connect import client as stripe_client
from app.services.stripe_connect import queries as stripe_queries

CHANGED = "payoutsChanged"
FILTER_KEYS = ("status", "method", "currency", "date_from", "date_to", "sort", "order")


@bp.context_processor
def _admin_template_helpers():
    return {"mask_account": mask, "payout_reference": bank_csv.reference}


def _list_args() -> dict:
    return {k: v for k, v in request.args.items() if k in FILTER_KEYS and v}


def _queue_context(**extra) -> dict:
    form = QueueFilterForm(request.args, currencies=queries.currencies())
    filters = read_filters(form, PayoutFilters)
    tz = display_timezone()
    approved = queries.approved_for_export()
    sort = queries.QUEUE_SORTS.read(request.args)
    return {"filters": form, "page": queries.queue_page(filters, tz, page_arg(), sort), "sort": sort,
            "totals": queries.totals(filters, tz), "list_args": _list_args(), "timezone": tz,
            "export_count": sum(bank_csv.is_exportable(r) for r in approved),
            "not_exported": [r for r in approved if not bank_csv.is_exportable(r)], **extra}


@bp.get("/admin")
@role_required("admin")
def admin_queue():
    """Every payout request, filtered; approve or reject them here, and export approved ones for the bank."""
    return respond("payouts/admin_queue.html", "payouts/_admin_queue.html", **_queue_context())


def load_request(request_id: int) -> PayoutRequest:
    found = db.session.get(PayoutRequest, request_id)
    if found is None:
        abort(404)
    return found


def _not_changed(request_id: int) -> str:
    status = label(load_request(request_id).status).lower()
    return _("Not changed: this request is already %(status)s (someone may have just decided it).", status=status)


def _row_answer(request_id: int, message: str | None, category: str, reject_form=None):
    in_view = ids_in_view()
    return row_answer("payouts/_admin_row.html", "payouts.admin_queue", message, category, CHANGED, reject_form,
                      payout=load_request(request_id),
                      bulk=None if in_view is None else queries.bulk_actions(in_view, stripe_client.configured()))


DECISIONS = RowDecisions(answer=_row_answer, not_changed=_not_changed, not_found=PayoutNotFound,
                         moved_on=InvalidPayoutTransition, reason_required=ReasonRequired,
                         reason_message=_l("Give a reason."))


@bp.post("/admin/<int:request_id>/approve")
@role_required("admin")
def approve(request_id: int):
    """Approve one requested payout; it then waits to be paid."""
    load_request(request_id)
    return DECISIONS.approve(request_id, lambda: states.approve(request_id, current_user.id, ip=client_ip()))


@bp.post("/admin/<int:request_id>/reject")
@role_required("admin")
def reject(request_id: int):
    """Reject one requested payout with a reason the affiliate will see; the amount goes back to them."""
    load_request(request_id)
    return DECISIONS.reject(request_id, RejectForm(), lambda reason: states.reject(
        request_id, current_user.id, reason, ip=client_ip()))


@bp.post("/admin/bulk-approve")
@role_required("admin")
def bulk_approve():
    """Approve every ticked request still waiting; requests decided meanwhile are left alone."""
    form = BulkApproveForm()
    category = "error"
    if not form.validate_on_submit():
        message = form_errors(form) or _("The form expired. Reload the page and try again.")
    elif not form.ids.data:
        message = _("Select at least one payout request.")
    else:
        changed = states.approve_many(form.ids.data, current_user._get_current_object(), ip=client_ip())
        message = ngettext("%(num)d payout request approved.", "%(num)d payout requests approved.", changed)
        skipped = len(form.ids.data) - changed
        if skipped:
            message += " " + ngettext("%(num)d was not changed (no longer waiting for approval).",
                                      "%(num)d were not changed (no longer waiting for approval).", skipped)
        category = "success" if changed else "warning"
    if not wants_partial():
        flash(message, category)
        return redirect(url_for("payouts.admin_queue", **_list_args()))
    return respond("payouts/_admin_queue.html", "payouts/_admin_queue.html",
                   trigger=CHANGED if category == "success" else None,
                   **_queue_context(message=message, message_category=category))


def render_detail(payout: PayoutRequest, *, fail_form=None, reject_form=None, status: int = 200):
    """The detail page; also shown again by the forms on it when they have errors."""
    stripe_view = stripe_queries.request_view(payout) if "stripe" in (payout.method, payout.paid_method) else None
    return render_template("payouts/admin_detail.html", detail=queries.detail(payout), payout=payout,
                           fail_form=fail_form or FailForm(), reject_form=reject_form or RejectForm(),
                           available=balances.available(payout.affiliate_id, payout.currency),
                           stripe_view=stripe_view, reverse_form=ReverseForm(formdata=None)), status


@bp.get("/admin/<int:request_id>")
@role_required("admin")
def admin_detail(request_id: int):
    """One payout request: where the money goes (in full), its history, and what can be done next."""
    return render_detail(load_request(request_id))


@bp.post("/admin/<int:request_id>/processing")
@role_required("admin")
def processing(request_id: int):
    """Note that an approved payout is being sent (e.g. in a bank batch), so nobody pays it twice."""
    load_request(request_id)
    try:
        states.mark_processing(request_id, current_user.id, ip=client_ip())
    except PayoutNotFound:
        abort(404)
    except PayoutError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Marked as processing."), "success")
    return redirect(url_for("payouts.admin_detail", request_id=request_id))
