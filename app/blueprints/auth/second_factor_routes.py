"""The second step of signing in, for accounts with two-factor sign-in: a code from the app or a recovery code."""
import time

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _

from app.blueprints.auth import bp
from app.blueprints.auth.forms import SecondFactorForm
from app.blueprints.auth.routes import finish_second_factor
from app.blueprints.web import client_ip
from app.rate_limits import rate_limited
from app.security import load_user
from app.services.accounts import two_factor
from app.services.accounts.throttle import TooManyAttempts


def _pending():
    """(the user who gave the right password, what was remembered) or (None, None) once it is stale."""
    pending = session.get("second_factor")
    if not isinstance(pending, dict):
        return None, None
    if time.time() - float(pending.get("since") or 0) > current_app.config["TWO_FACTOR_PENDING_SECONDS"]:
        return None, None
    # Loaded like a session: a password change or a disabled account in between ends the attempt.
    user = load_user(str(pending.get("user") or ""))
    if user is None or not user.has_two_factor:
        return None, None
    return user, pending


@bp.route("/two-factor", methods=["GET", "POST"])
@rate_limited("sign_in", methods=["POST"])
def second_factor():
    """Ask for the authenticator's code (or a recovery code) after the password."""
    user, pending = _pending()
    if user is None:
        session.pop("second_factor", None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.sign_in"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            used_recovery = two_factor.check_second_factor(user, form.code.data, client_ip())
        except TooManyAttempts as exc:
            minutes = -(-exc.retry_after // 60)
            form.form_errors.append(_("Too many failed sign-ins. Please wait %(minutes)d minutes and try again, "
                                      "or reset your password.", minutes=minutes))
            return render_template("auth/second_factor.html", form=form), 429, {"Retry-After": str(exc.retry_after)}
        except two_factor.InvalidCode:
            form.code.errors.append(_("That code is not right. Enter the current code from your app, or one of "
                                      "your recovery codes."))
        else:
            target = finish_second_factor(user, pending)
            flash(_("Signed in."), "success")
            if used_recovery:
                flash(_("You used a recovery code; each works once. %(left)d are left: make new ones in your "
                        "settings if you are running out.", left=two_factor.recovery_codes_left(user)), "info")
            return redirect(target)
    return render_template("auth/second_factor.html", form=form)
