"""Negative balances: what affiliates owe after refunds of paid-out commission, and the admin's write-offs."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.payouts import bp
from app.blueprints.payouts.admin_forms import WriteOffForm
from app.blueprints.web import client_ip, show_refusal
from app.extensions import db
from app.ids import is_id
from app.models.users import User
from app.money import CURRENCIES, format_money
from app.security import role_required
from app.services.ledger import owed
from app.services.ledger.owed import WriteOffError


@bp.get("/admin/negative-balances")
@role_required("admin")
def negative_balances():
    """Every affiliate whose balance a clawback took below zero, with what caused it and a write-off form."""
    return _page()


def _page(submitted: WriteOffForm | None = None, affiliate_id: int | None = None, currency: str | None = None):
    # The form just sent (with its errors beside its fields) takes the place of its row's empty one.
    rows = []
    for debt in owed.negative_balances():
        mine = submitted is not None and (debt.affiliate.id, debt.currency) == (affiliate_id, currency)
        rows.append((debt, owed.causes(debt.affiliate.id, debt.currency, debt.owed),
                     submitted if mine else _form(debt.affiliate.id, debt.currency, formdata=None)))
    return render_template("payouts/admin_owed.html", rows=rows)


def _form(affiliate_id: int, currency: str, **kwargs) -> WriteOffForm:
    # One form per row on the page: the prefix keeps their fields' ids apart.
    return WriteOffForm(currency=currency, prefix=f"write-off-{affiliate_id}-{currency}", **kwargs)


@bp.post("/admin/negative-balances/<int:affiliate_id>/<currency>/write-off")
@role_required("admin")
def write_off(affiliate_id: int, currency: str):
    """Write off (part of) what one affiliate owes in one currency; the reason goes to the audit log."""
    affiliate = db.session.get(User, affiliate_id) if is_id(affiliate_id) else None
    if affiliate is None or affiliate.role != "affiliate" or currency not in CURRENCIES:
        abort(404)
    form = _form(affiliate.id, currency)
    if form.validate_on_submit():
        try:
            owed.write_off(affiliate.id, currency, form.minor_amount, form.reason.data, actor_id=current_user.id,
                           ip=client_ip())
        except WriteOffError as exc:
            show_refusal(form, exc)
        else:
            flash(_("%(amount)s written off for %(name)s.", amount=format_money(form.minor_amount, currency),
                    name=affiliate.name), "success")
            return redirect(url_for("payouts.negative_balances"))
    return _page(form, affiliate.id, currency)
