"""The first-run checklist's actions: closing it, and the admin's test email."""
from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from loguru import logger

from app.blueprints.dashboard import bp
from app.blueprints.forms import ConfirmForm
from app.blueprints.web import wants_partial
from app.security import role_required
from app.services.common.mail import send_email
from app.services.onboarding import checklist


@bp.post("/checklist/dismiss")
@login_required
def dismiss_checklist():
    """Hide the checklist for good; under htmx the answer is empty, so the checklist disappears."""
    if ConfirmForm().validate_on_submit():
        checklist.dismiss(current_user.id)
    if wants_partial():
        return ""
    return redirect(url_for("dashboard.home"))


@bp.post("/checklist/test-email")
@role_required("admin")
def test_email():
    """Send the admin a short email through the configured mail settings, to see that mail gets out."""
    if ConfirmForm().validate_on_submit():
        subject = _("Test email from the affiliate program")
        body = _("This is the test email you asked for. If you read it, emails reach people.")
        try:
            send_email(current_user.email, subject, body)
        except Exception:
            logger.exception("test email could not be queued")
            flash(_("The test email could not be queued. Check that Redis and the emails worker are running."),
                  "error")
        else:
            flash(_("A test email is on its way to %(email)s. If it does not arrive within a few minutes, check "
                    "the MAIL_ settings and the log of the emails worker.", email=current_user.email), "success")
    return redirect(url_for("dashboard.admin_home"))
