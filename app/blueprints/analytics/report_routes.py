"""Summary emails: choosing them, and seeing exactly what the next one will say."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.analytics import bp
from app.blueprints.analytics.forms import ReportSettingsForm
from app.blueprints.analytics.helpers import today
from app.blueprints.web import display_timezone
from app.security import role_required
from app.services.analytics import reports

ROLES = ("admin", "merchant", "affiliate")


@bp.route("/reports", methods=["GET", "POST"])
@role_required(*ROLES)
def reports_settings():
    """Opt in to a weekly and/or monthly summary by email."""
    current = reports.subscription(current_user.id)
    form = ReportSettingsForm(obj=current)
    if form.validate_on_submit():
        reports.subscribe(current_user.id, form.weekly.data, form.monthly.data)
        flash(_("Your email report choices are saved."), "success")
        return redirect(url_for("analytics.reports_settings"))
    return render_template("analytics/reports.html", form=form)


@bp.get("/reports/<kind>/preview")
@role_required(*ROLES)
def report_preview(kind: str):
    """The report as it would be sent now for the last whole week or month: subject and text."""
    if kind not in reports.KINDS:
        abort(404)
    period = reports.period_for(kind, today(str(display_timezone())))
    report = reports.build(current_user._get_current_object(), kind, period)
    return render_template("analytics/report_preview.html", kind=kind, report=report)
