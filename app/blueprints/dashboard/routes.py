"""Each role's home page, and the language picker."""
from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from app.blueprints.analytics.display import recent_charts
from app.blueprints.analytics.helpers import today
from app.blueprints.dashboard import bp
from app.blueprints.web import display_timezone
from app.security import role_required
from app.services.accounts import profile
from app.services.analytics import overview
from app.services.analytics.scope import scope_for
from app.services.onboarding import checklist
from app.urls import local_path

HOMES = {"admin": "dashboard.admin_home", "merchant": "dashboard.merchant_home",
         "affiliate": "dashboard.affiliate_home"}


@bp.get("/")
def index():
    """Signed-in users go to their dashboard; everyone else to sign in."""
    if current_user.is_authenticated:
        return redirect(url_for(HOMES[current_user.role]))
    return redirect(url_for("auth.sign_in"))


@bp.get("/dashboard")
@login_required
def home():
    """The dashboard of whoever is signed in."""
    return redirect(url_for(HOMES[current_user.role]))


def _dashboard(template: str, stats: dict):
    return render_template(template, stats=stats, charts=recent_charts(stats["recent"]),
                           checklist=checklist.for_user(current_user._get_current_object()))


@bp.get("/home/admin")
@role_required("admin")
def admin_home():
    """The operator's overview: the last 30 days, users, campaigns, work waiting."""
    zone = display_timezone()
    return _dashboard("dashboard/admin.html", overview.admin_overview(zone, today(zone)))


@bp.get("/home/merchant")
@role_required("merchant")
def merchant_home():
    """A merchant's overview of their program over the last 30 days."""
    zone = display_timezone()
    return _dashboard("dashboard/merchant.html",
                      overview.merchant_overview(scope_for(current_user), zone, today(zone)))


@bp.get("/home/affiliate")
@role_required("affiliate")
def affiliate_home():
    """An affiliate's overview: the last 30 days, commission waiting and approved, campaigns."""
    zone = display_timezone()
    return _dashboard("dashboard/affiliate.html",
                      overview.affiliate_overview(scope_for(current_user), zone, today(zone)))


@bp.post("/language")
def set_language():
    """Remember the chosen language (on the account too, for its emails) and go back where the visitor was."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["locale"] = lang
        if current_user.is_authenticated:
            profile.set_language(current_user._get_current_object(), lang)
    return redirect(local_path(request.form.get("next")) or url_for("dashboard.index"))
