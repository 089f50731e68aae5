"""Paying by hand: confirm a payment with its proof, mark one failed, correct the record; download proofs."""
import segno
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.blueprints.payouts import bp
from app.blueprints.payouts.admin_forms import MANUAL_METHODS, CorrectionForm, FailForm, PaymentForm, local_date
from app.blueprints.payouts.admin_routes import load_request, render_detail
from app.blueprints.web import client_ip, show_refusal
from app.labels import label
from app.models.money import PayoutRequest
from app.money import format_money
from app.security import get_owned_or_404, role_required
from app.services.payouts import bank_transfer, proofs, states
from app.services.payouts.errors import PaidThroughStripe, PayoutError, PayoutNotFound

PAYABLE = ("approved", "processing")


def _save_with_proof(form, save):
    """Store the uploaded proof (if any) and call `save(proof)`; on refusal show the error and drop the file.

    Returns what `save` returned, or None when the form has to be shown again.
    """
    proof = None
    try:
        proof = _store_proof(form)
        return save(proof)
    except proofs.ProofRejected as exc:
        form.proof.errors = [*form.proof.errors, exc.message]
    except PayoutNotFound:
        proofs.discard(proof)
        abort(404)
    except PayoutError as exc:
        proofs.discard(proof)
        show_refusal(form, exc)
    return None

def _store_proof(form) -> dict | None:
    upload = form.proof.data
    return proofs.store(upload.stream, upload.filename) if upload else None


def _wrong_status(payout: PayoutRequest, message: str):
    flash(message, "error")
    return redirect(url_for("payouts.admin_detail", request_id=payout.id))


@bp.route("/admin/<int:request_id>/confirm", methods=["GET", "POST"])
@role_required("admin")
def confirm(request_id: int):
    """Record a payment made by hand (bank transfer, Momo, PayPal, cash): method, transaction id, date, proof."""
    payout = load_request(request_id)
    if payout.method == "stripe":
        return _wrong_status(payout, PaidThroughStripe().message)
    if payout.status not in PAYABLE:
        return _wrong_status(payout, _("Only an approved payout can be confirmed as paid; this one is %(status)s.",
                                           status=label(payout.status).lower()))
    form = PaymentForm(method=payout.method if payout.method in MANUAL_METHODS else "bank_transfer",
                       requested_on=local_date(payout.requested_at))
    if form.validate_on_submit():
        saved = _save_with_proof(form, lambda proof: states.confirm_paid(
            request_id, current_user.id, method=form.method.data, transaction_id=form.transaction_id.data,
            paid_on=form.paid_on.data, notes=form.notes.data or None, proof=proof, ip=client_ip()))
        if saved is not None:
            flash(_("Payment recorded: %(amount)s to %(name)s is paid.",
                    amount=format_money(payout.amount, payout.currency), name=payout.affiliate.name), "success")
            return redirect(url_for("payouts.admin_detail", request_id=request_id))
    sheet = bank_transfer.sheet_for(payout)
    return render_template("payouts/admin_confirm.html", form=form, payout=payout, sheet=sheet,
                           qr_svg=_qr_svg(sheet.qr_payload) if sheet and sheet.qr_payload else None)


def _qr_svg(payload: str) -> Markup:
    """The VietQR code drawn as inline SVG (segno writes only paths and attributes, nothing to escape)."""
    return Markup(segno.make(payload, error="m").svg_inline(
        scale=5, border=4, omitsize=True, title=_("VietQR code of this transfer"), svgclass="vietqr"))


@bp.post("/admin/<int:request_id>/fail")
@role_required("admin")
def fail(request_id: int):
    """Mark an approved payout as failed, with the reason; the amount goes back to the affiliate's balance."""
    payout = load_request(request_id)
    form = FailForm()
    if not form.validate_on_submit():
        # 200, not 400: a boosted form's answer is only swapped in when it is a success.
        return render_detail(payout, fail_form=form)
    try:
        states.mark_failed(request_id, current_user.id, form.reason.data, ip=client_ip())
    except PayoutNotFound:
        abort(404)
    except PayoutError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Marked failed. %(amount)s is back in the affiliate's available balance.",
                amount=format_money(payout.amount, payout.currency)), "success")
    return redirect(url_for("payouts.admin_detail", request_id=request_id))


def _payment_record(payout: PayoutRequest) -> tuple:
    return payout.paid_method, payout.transaction_id, payout.payment_notes, payout.proof_path


@bp.route("/admin/<int:request_id>/correct", methods=["GET", "POST"])
@role_required("admin")
def correct(request_id: int):
    """Fix the payment record of a paid request (transaction id, method, notes, proof); the change is audited."""
    payout = load_request(request_id)
    if payout.paid_method == "stripe":
        return _wrong_status(payout, PaidThroughStripe().message)
    if payout.status != "paid":
        return _wrong_status(payout, _("Only a paid payout's payment record can be corrected; this one is "
                                       "%(status)s.", status=label(payout.status).lower()))
    form = CorrectionForm(method=payout.paid_method if payout.paid_method in MANUAL_METHODS else "other",
                          transaction_id=payout.transaction_id, notes=payout.payment_notes)
    if form.validate_on_submit():
        before = _payment_record(payout)
        saved = _save_with_proof(form, lambda proof: states.correct_payment(
            request_id, current_user.id, method=form.method.data, transaction_id=form.transaction_id.data,
            notes=form.notes.data or "", proof=proof, ip=client_ip()))
        if saved is not None:
            payout = saved
            changed = _payment_record(payout) != before
            flash(_("Payment record corrected.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(url_for("payouts.admin_detail", request_id=request_id))
    return render_template("payouts/admin_correct.html", form=form, payout=payout)


@bp.get("/<int:request_id>/proof")
@role_required("admin", "affiliate")
def proof(request_id: int):
    """Download the proof of payment of a paid request (its affiliate and admins only)."""
    payout = get_owned_or_404(PayoutRequest, request_id)
    path = proofs.resolve(payout.proof_path)
    if path is None:
        abort(404)
    content_type = (payout.proof_content_type if payout.proof_content_type in proofs.EXTENSIONS
                    else "application/octet-stream")
    name = payout.proof_filename or f"proof-PR-{payout.id}{proofs.EXTENSIONS.get(content_type, '')}"
    response = send_file(path, mimetype=content_type, as_attachment=True, download_name=name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
