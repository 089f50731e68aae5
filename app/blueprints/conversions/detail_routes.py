"""One conversion in full, and refunding its order from the interface."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.conversions import bp
from app.blueprints.conversions.forms import RefundForm
from app.blueprints.web import client_ip
from app.labels import label
from app.models.conversions import Conversion
from app.money import format_money
from app.security import get_owned_or_404, role_required
from app.services.conversions import click_lists, queries, refunds
from app.services.conversions.errors import ConversionNotFound, RefundNotAllowed, RefundTooLarge


def render_detail_page(conversion, refund_form):
    """The detail page; the refund form shows its errors on it when it does not validate."""
    detail = queries.detail(conversion)
    click_flags = click_lists.click_signals(detail.click, detail.ip_clicks) if detail.click else []
    return render_template("conversions/detail.html", detail=detail, conversion=conversion, refund_form=refund_form,
                           click_flags=click_flags)


@bp.get("/<int:conversion_id>")
@role_required("merchant", "admin")
def detail(conversion_id: int):
    """Everything about one conversion: the order, the click, fraud signals, refunds, ledger and audit trail."""
    conversion = get_owned_or_404(Conversion, conversion_id)
    return render_detail_page(conversion, RefundForm(formdata=None, currency=conversion.currency))


@bp.post("/<int:conversion_id>/refund")
@role_required("merchant", "admin")
def refund(conversion_id: int):
    """Record a full or partial refund of the order; the commission share goes back out of the ledger."""
    conversion = get_owned_or_404(Conversion, conversion_id)
    form = RefundForm(currency=conversion.currency)
    if form.validate_on_submit():
        try:
            new = refunds.refund(conversion.id, form.minor_amount, actor_id=current_user.id,
                                 reason=form.reason.data, ip=client_ip())
        except ConversionNotFound:
            abort(404)
        except RefundTooLarge:
            conversion = get_owned_or_404(Conversion, conversion_id)
            left = conversion.amount - conversion.refunded_amount
            form.amount.errors = [_("That is more than is left to refund (%(left)s).",
                                    left=format_money(left, conversion.currency))]
        except RefundNotAllowed:
            # Decided meanwhile (the form is no longer offered): say so on the fresh page.
            conversion = get_owned_or_404(Conversion, conversion_id)
            flash(_("A conversion that is %(status)s cannot be refunded.", status=label(conversion.status).lower()),
                  "error")
            return redirect(url_for("conversions.detail", conversion_id=conversion_id))
        else:
            flash(_("Refund of %(amount)s recorded; %(commission)s of commission taken back.",
                    amount=format_money(new.amount, conversion.currency),
                    commission=format_money(new.commission_delta, conversion.currency)), "success")
            return redirect(url_for("conversions.detail", conversion_id=conversion_id))
    return render_detail_page(conversion, form)

