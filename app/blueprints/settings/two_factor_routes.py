"""Two-factor sign-in in the settings: set up an authenticator app, keep recovery codes, turn it off.

With REQUIRE_2FA_FOR_ADMINS an admin without it is sent here from every page until it is on.
"""
import segno
from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app.blueprints.settings import bp
from app.blueprints.settings.forms import PasswordCheckForm, TotpSetupForm
from app.blueprints.web import client_ip
from app.services.accounts import two_factor
from app.services.accounts.accounts import InvalidCredentials

# What an admin who must still turn two-factor sign-in on may open meanwhile.
OPEN_BEFORE_SETUP = {"settings.two_factor_page", "settings.enable_two_factor", "auth.sign_out",
                     "dashboard.set_language", "static"}


@bp.before_app_request
def admins_turn_two_factor_on_first():
    if not current_app.config["REQUIRE_2FA_FOR_ADMINS"] or request.endpoint in OPEN_BEFORE_SETUP:
        return None
    if request.blueprint in ("tracking", "health", "api", "monitoring") or request.endpoint is None:
        return None
    if current_user.is_authenticated and two_factor.required_for(current_user) and not current_user.has_two_factor:
        flash(_("Admins must turn on two-factor sign-in before anything else."), "info")
        return redirect(url_for("settings.two_factor_page"))
    return None


def _me():
    return current_user._get_current_object()


def _setup_secret() -> str:
    """The secret being set up, kept in the session so a reload shows the same QR code."""
    secret = session.get("totp_setup")
    if not secret:
        secret = session["totp_setup"] = two_factor.new_secret()
    return secret


def _qr_svg(uri: str) -> Markup:
    # segno writes only paths and attributes: nothing in it to escape.
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, border=4, omitsize=True, svgclass="vietqr",
                                                      title=_("QR code for your authenticator app")))


def _page(setup_form=None, password_form=None, disable_form=None, status=200):
    user = _me()
    context = {"setup_form": setup_form or TotpSetupForm(formdata=None),
               "codes_form": password_form or PasswordCheckForm(prefix="codes", formdata=None),
               "disable_form": disable_form or PasswordCheckForm(prefix="disable", formdata=None),
               "required": two_factor.required_for(user)}
    if user.has_two_factor:
        context["codes_left"] = two_factor.recovery_codes_left(user)
    else:
        secret = _setup_secret()
        context.update(secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                       qr=_qr_svg(two_factor.provisioning_uri(secret, user.email)))
    return render_template("settings/two_factor.html", **context), status


def _show_codes(codes: list[str]):
    # Shown in this one answer only: rendered, not redirected, and never stored by a cache.
    response = make_response(render_template("settings/recovery_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/two-factor")
@login_required
def two_factor_page():
    """Turn two-factor sign-in on (scan, type a code) or manage it."""
    return _page()


@bp.post("/two-factor/enable")
@login_required
def enable_two_factor():
    """Check the first code from the app, then turn two-factor sign-in on and show the recovery codes."""
    form = TotpSetupForm()
    if form.validate_on_submit() and not _me().has_two_factor:
        try:
            codes = two_factor.enable(_me(), _setup_secret(), form.code.data, ip=client_ip())
        except two_factor.InvalidCode:
            form.code.errors.append(_("That code is not right. Check the time on your phone and enter the code "
                                      "the app shows now."))
        else:
            session.pop("totp_setup", None)
            flash(_("Two-factor sign-in is on."), "success")
            return _show_codes(codes)
    return _page(setup_form=form)


@bp.post("/two-factor/recovery-codes")
@login_required
def new_recovery_codes():
    """Replace the recovery codes (the old ones stop working)."""
    form = PasswordCheckForm(prefix="codes")
    if form.validate_on_submit() and _me().has_two_factor:
        try:
            codes = two_factor.regenerate_recovery_codes(_me(), form.password.data, ip=client_ip())
        except InvalidCredentials:
            form.password.errors.append(_("Your current password is wrong."))
        else:
            flash(_("New recovery codes made; the old ones no longer work."), "success")
            return _show_codes(codes)
    return _page(password_form=form)


@bp.post("/two-factor/disable")
@login_required
def disable_two_factor():
    """Turn two-factor sign-in off (not for admins when the install requires it)."""
    form = PasswordCheckForm(prefix="disable")
    if form.validate_on_submit():
        try:
            two_factor.disable(_me(), form.password.data, ip=client_ip())
        except InvalidCredentials:
            form.password.errors.append(_("Your current password is wrong."))
        except two_factor.TwoFactorRequired:
            form.password.errors.append(_("Admins have to keep two-factor sign-in on."))
        else:
            flash(_("Two-factor sign-in is off."), "success")
            return redirect(url_for("settings.two_factor_page"))
    return _page(disable_form=form)
