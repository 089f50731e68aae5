"""Each role's home page, and the language picker."""
from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from app.blueprints.dashboard import bp
from app.security import role_required
from app.services.analytics import overview
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


@bp.get("/home/admin")
@role_required("admin")
def admin_home():
    """The operator's overview: users, campaigns, work waiting."""
    return render_template("dashboard/admin.html", stats=overview.admin_overview())


@bp.get("/home/merchant")
@role_required("merchant")
def merchant_home():
    """A merchant's overview of their program."""
    return render_template("dashboard/merchant.html", stats=overview.merchant_overview(current_user.id))


@bp.get("/home/affiliate")
@role_required("affiliate")
def affiliate_home():
    """An affiliate's overview: campaigns, clicks, earnings."""
    return render_template("dashboard/affiliate.html", stats=overview.affiliate_overview(current_user.id))


@bp.post("/language")
def set_language():
    """Remember the chosen language and go back where the visitor was."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["locale"] = lang
    return redirect(local_path(request.form.get("next")) or url_for("dashboard.index"))
