"""Signing up from an invitation: the email and role come from it; the person adds the rest."""
from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.auth import bp
from app.blueprints.auth.forms import invitation_form
from app.blueprints.auth.routes import start_session
from app.blueprints.web import client_ip
from app.rate_limits import rate_limited
from app.services.accounts import invitations
from app.services.accounts.accounts import EmailTaken


@bp.route("/join/<token>", methods=["GET", "POST"])
@rate_limited("sign_up", methods=["POST"])
def join(token: str):
    """Create the account an invitation was sent for."""
    if current_user.is_authenticated:
        flash(_("Sign out first to use an invitation for another account."), "info")
        return redirect(url_for("dashboard.home"))
    try:
        invitation = invitations.pending(token)
    except invitations.InvalidInvitation:
        flash(_("This invitation link is invalid, expired, revoked or already used. Ask for a new one."), "error")
        return redirect(url_for("auth.sign_in"))
    form = invitation_form(invitation.role)
    if form.validate_on_submit():
        merchant = invitation.role == "merchant"
        try:
            user = invitations.accept(token, password=form.password.data, name=form.name.data,
                                      company_name=form.company_name.data if merchant else None,
                                      website=form.website.data or None, locale=str(get_locale()), ip=client_ip())
        except invitations.InvalidInvitation:
            flash(_("This invitation link is invalid, expired, revoked or already used. Ask for a new one."), "error")
            return redirect(url_for("auth.sign_in"))
        except EmailTaken:
            flash(_("An account with this email already exists. Sign in instead."), "error")
            return redirect(url_for("auth.sign_in"))
        start_session(user)
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(url_for("dashboard.home"))
    return render_template("auth/join.html", form=form, invitation=invitation, token=token)
