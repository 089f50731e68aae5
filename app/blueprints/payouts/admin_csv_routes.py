"""The bank files: export approved bank transfers for a batch upload, import the bank's results; the queue as CSV."""
from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from loguru import logger

from app.blueprints.payouts import bp
from app.blueprints.payouts.admin_forms import ImportApplyForm, ImportForm, QueueFilterForm, local_today
from app.blueprints.web import client_ip, display_timezone, read_filters
from app.models.common import utcnow
from app.security import role_required
from app.services.payouts import bank_csv, bank_import, history_csv, queries, results_file
from app.services.payouts.bank_import import ImportTokenInvalid
from app.services.payouts.errors import ImportFileError
from app.services.payouts.queries import PayoutFilters


@bp.get("/admin/export.csv")
@role_required("admin")
def export_csv():
    """Approved bank-transfer requests as a CSV for the bank's batch-transfer upload (other methods left out)."""
    content, included, excluded = bank_csv.export_bank_file(queries.approved_for_export())
    filename = f"payouts-{local_today():%Y-%m-%d}.csv"
    logger.info("bank file exported by admin {}: {} requests, {} left out", current_user.id, len(included),
                len(excluded))
    response = Response(content, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/admin/requests.csv")
@role_required("admin")
def queue_export():
    """Every payout request matching the queue's filters, any status, as a CSV file streamed as it is written."""
    filters = read_filters(QueueFilterForm(request.args, currencies=queries.currencies()), PayoutFilters)
    name = f"payout-requests-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(stream_with_context(history_csv.queue_csv(filters, display_timezone())),
                    content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.route("/admin/import", methods=["GET", "POST"])
@role_required("admin")
def import_csv():
    """Upload the bank's results (paid or failed per reference; CSV or Excel .xlsx) and preview what would
    happen; nothing is saved yet."""
    form = ImportForm()
    preview, token = None, None
    if form.validate_on_submit():
        data = form.file.data.read()
        kind = results_file.kind_of(form.file.data.filename, data)
        try:
            preview = bank_csv.parse_results(data, local_today(), display_timezone(), kind)
        except ImportFileError as exc:
            form.file.errors = [*form.file.errors, exc.message]
        else:
            if preview.valid:
                token = bank_import.stage(data, current_user.id, kind)
    return render_template("payouts/admin_import.html", form=form, preview=preview,
                           apply_form=ImportApplyForm(token=token) if token else None)


@bp.post("/admin/import/apply")
@role_required("admin")
def import_apply():
    """Apply the previewed file: every row still valid goes through the payout service on its own."""
    form = ImportApplyForm()
    if not form.validate_on_submit():
        flash(_("Upload the results file again."), "error")
        return redirect(url_for("payouts.import_csv"))
    try:
        preview, results = bank_import.apply(form.token.data, current_user.id, client_ip(), local_today(),
                                               display_timezone())
    except (ImportTokenInvalid, ImportFileError) as exc:
        return render_template("payouts/admin_import.html", form=ImportForm(formdata=None), preview=None,
                               apply_form=None, token_error=exc.message), 400
    applied = sum(r.applied for r in results)
    flash(_("%(applied)d of %(total)d rows applied.", applied=applied, total=len(preview.rows)),
          "success" if applied else "warning")
    return render_template("payouts/admin_import.html", form=ImportForm(formdata=None), preview=preview,
                           results=results, apply_form=None)
