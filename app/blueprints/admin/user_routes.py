"""Managing accounts: the user list, creating an account, disabling and enabling, one user's page."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.admin import bp
from app.blueprints.admin.forms import CreateUserForm, UserFilterForm
from app.blueprints.web import client_ip, list_args, page_arg, read_filters, respond, show_refusal, wants_partial
from app.extensions import db
from app.models.users import User
from app.security import role_required
from app.services.accounts import accounts, admin, two_factor
from app.services.accounts.admin import CannotDisableSelf, UserFilters, UserNotFound
from app.services.common.errors import ServiceError
from app.urls import local_path


@bp.get("/users")
@role_required("admin")
def users():
    """Every account, searchable by name or email and filtered by role and status."""
    form = UserFilterForm(request.args)
    sort = admin.USER_SORTS.read(request.args)
    page = admin.list_users(read_filters(form, UserFilters), page_arg(), sort)
    return respond("admin/users.html", "admin/_users_table.html", filters=form, page=page, list_args=list_args(),
                   sort=sort)


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def user_create():
    """Create an account of any role, for someone who cannot or should not sign up themselves."""
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            user = admin.create_user(
                current_user.id, email=form.email.data, password=form.password.data, role=form.role.data,
                name=form.name.data, company_name=form.company_name.data, website=form.website.data,
                ip=client_ip())
        except accounts.EmailTaken:
            form.email.errors.append(_("An account with this email already exists."))
        except ServiceError as error:
            show_refusal(form, error)
        else:
            flash(_("Account created for %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_form.html", form=form)


@bp.get("/users/<int:user_id>")
@role_required("admin")
def user_detail(user_id: int):
    """One account: role, profile, masked payout details, status and recent audit events."""
    try:
        detail = admin.user_detail(user_id)
    except UserNotFound:
        abort(404)
    return render_template("admin/user_detail.html", detail=detail, user=detail.user)


def _set_disabled(user_id: int, disabled: bool):
    # The CSRF token was checked before the view (CSRFProtect); the form carries nothing else but `next`.
    try:
        admin.set_disabled(user_id, disabled, actor_id=current_user.id, ip=client_ip())
    except CannotDisableSelf:
        message, category = _("You cannot disable your own account."), "error"
    except UserNotFound:
        abort(404)
    else:
        message = _("Account disabled; the user has been signed out.") if disabled else _("Account enabled.")
        category = "success"
    if not wants_partial():
        flash(message, category)
        return redirect(local_path(request.form.get("next")) or url_for("admin.users"))
    user = db.session.get(User, user_id)
    return respond("admin/_user_status.html", "admin/_user_status.html", user=user,
                   here=local_path(request.form.get("next")), status_message=message, status_category=category)


@bp.post("/users/<int:user_id>/disable")
@role_required("admin")
def user_disable(user_id: int):
    """Disable an account: it can no longer sign in and its open sessions end."""
    return _set_disabled(user_id, True)


@bp.post("/users/<int:user_id>/enable")
@role_required("admin")
def user_enable(user_id: int):
    """Let a disabled account sign in again."""
    return _set_disabled(user_id, False)


@bp.post("/users/<int:user_id>/two-factor/reset")
@role_required("admin")
def user_reset_two_factor(user_id: int):
    """Turn off someone's two-factor sign-in when they lost both their phone and their recovery codes."""
    user = db.session.get(User, user_id) or abort(404)
    two_factor.reset_by_admin(user, current_user.id, ip=client_ip())
    flash(_("Two-factor sign-in of %(email)s is off; they sign in with their password and can turn it on again.",
            email=user.email), "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))
