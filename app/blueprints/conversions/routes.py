"""Reviewing conversions: the filtered list, and approving or rejecting one row or a selection."""
from flask import Response, flash, redirect, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from app.blueprints.conversions import bp
from app.blueprints.conversions.forms import BulkForm, RejectForm, ReviewFilterForm
from app.blueprints.web import (
    RowDecisions,
    client_ip,
    display_timezone,
    filter_errors,
    form_errors,
    ids_in_view,
    keyset_sort,
    list_args,
    read_filters,
    respond,
    row_answer,
    wants_partial,
)
from app.extensions import db
from app.labels import label
from app.models.common import utcnow
from app.models.conversions import Conversion
from app.security import get_owned_or_404, role_required
from app.services.conversions import exports, queries, states
from app.services.conversions.errors import ConversionNotFound, InvalidTransition, ReasonRequired
from app.services.conversions.queries import ConversionFilters

CHANGED = "conversionsChanged"


def _review_filters(user) -> tuple[ReviewFilterForm, ConversionFilters]:
    """The list's filters from the query string; one that does not validate is ignored with its error shown."""
    form = ReviewFilterForm(request.args, campaigns=queries.reviewer_campaigns(user))
    filters = read_filters(form, ConversionFilters, campaign_id="campaign")
    typed = form.affiliate.data if not form.affiliate.errors else None
    if typed:
        affiliate = queries.reviewer_affiliate(user, typed)
        if affiliate is None:
            form.affiliate.errors = [_("No affiliate with this email works on your campaigns.")]
        else:
            filters.affiliate_id = affiliate.id
    return form, filters


def _list_context(**extra) -> dict:
    user = current_user._get_current_object()
    form, filters = _review_filters(user)
    sort, order, cursor = keyset_sort(queries.SORT_COLUMNS)
    page = queries.review_page(user, filters, display_timezone(), cursor, order=order)
    return {"filters": form, "filter_problems": filter_errors(form), "page": page, "sort": sort,
            "list_args": list_args(), "position_args": request.args.to_dict(),
            "timezone": str(display_timezone()), **extra}


@bp.get("/export.csv")
@role_required("merchant", "admin")
def export():
    """The filtered conversions as a CSV file (the reviewer's campaigns only), streamed as it is written."""
    user = current_user._get_current_object()
    _form, filters = _review_filters(user)
    name = f"conversions-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(stream_with_context(exports.export_csv(user, filters, display_timezone())),
                    content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.get("/")
@role_required("merchant", "admin")
def index():
    """Conversions on the reviewer's campaigns (an admin's: all), filtered, to approve or reject."""
    return respond("conversions/index.html", "conversions/_table.html", **_list_context())


def _not_changed(conversion_id: int) -> str:
    conversion = db.session.get(Conversion, conversion_id)
    return _("Not changed: this conversion is already %(status)s.", status=label(conversion.status).lower())


def _row_answer(conversion_id: int, message: str | None, category: str, reject_form=None):
    in_view = ids_in_view()
    # The bulk actions go once nothing in view is pending any more.
    closes = in_view is not None and not queries.any_pending(current_user._get_current_object(), in_view)
    return row_answer("conversions/_row.html", "conversions.index", message, category, CHANGED, reject_form,
                      conversion=db.session.get(Conversion, conversion_id), bulk_closes=closes)


DECISIONS = RowDecisions(answer=_row_answer, not_changed=_not_changed, not_found=ConversionNotFound,
                         moved_on=InvalidTransition, reason_required=ReasonRequired,
                         reason_message=_l("Give a reason for rejecting."))


@bp.post("/<int:conversion_id>/approve")
@role_required("merchant", "admin")
def approve(conversion_id: int):
    """Approve one pending conversion; its commission enters the affiliate's ledger."""
    get_owned_or_404(Conversion, conversion_id)
    return DECISIONS.approve(conversion_id, lambda: states.approve(conversion_id, current_user.id, ip=client_ip()))


@bp.post("/<int:conversion_id>/reject")
@role_required("merchant", "admin")
def reject(conversion_id: int):
    """Reject one pending conversion with a reason the affiliate will see."""
    get_owned_or_404(Conversion, conversion_id)
    return DECISIONS.reject(conversion_id, RejectForm(), lambda reason: states.reject(
        conversion_id, current_user.id, reason, ip=client_ip()))


def _bulk_message(form: BulkForm, changed: int) -> str:
    if form.decision.data == "approve":
        message = ngettext("%(num)d conversion approved.", "%(num)d conversions approved.", changed)
    else:
        message = ngettext("%(num)d conversion rejected.", "%(num)d conversions rejected.", changed)
    skipped = len(form.ids.data) - changed
    if skipped:
        message += " " + ngettext("%(num)d was not changed (already decided, or not yours).",
                                  "%(num)d were not changed (already decided, or not yours).", skipped)
    return message


@bp.post("/bulk")
@role_required("merchant", "admin")
def bulk():
    """Approve or reject every ticked conversion at once; conversions of others' campaigns are never touched."""
    form = BulkForm()
    category = "error"
    if not form.validate_on_submit():
        message = form_errors(form)
    elif not form.ids.data:
        message = _("Select at least one conversion.")
    else:
        actor = current_user._get_current_object()
        try:
            if form.decision.data == "approve":
                changed = states.approve_many(form.ids.data, actor, ip=client_ip())
            else:
                changed = states.reject_many(form.ids.data, actor, form.reason.data, ip=client_ip())
        except ReasonRequired:
            message = _("Give a reason for rejecting.")
        else:
            message = _bulk_message(form, changed)
            category = "success" if changed else "warning"
    if not wants_partial():
        flash(message, category)
        return redirect(url_for("conversions.index", **request.args.to_dict()))
    return respond("conversions/_table.html", "conversions/_table.html",
                   trigger=CHANGED if category == "success" else None,
                   **_list_context(message=message, message_category=category, bulk_form=form))

