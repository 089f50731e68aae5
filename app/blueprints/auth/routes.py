"""Signing up, in and out; resetting passwords."""
import time

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.blueprints.auth import bp
from app.blueprints.auth.forms import ForgotPasswordForm, ResetPasswordForm, SignInForm, sign_up_form
from app.blueprints.web import client_ip
from app.rate_limits import rate_limited
from app.services.accounts import accounts, profile, sign_up_policy
from app.services.accounts.accounts import InvalidCredentials, InvalidResetToken
from app.services.accounts.throttle import TooManyAttempts
from app.services.common import mail
from app.services.common.mail import in_language_of
from app.urls import local_path


def _fresh_session() -> None:
    # Nothing from before (fixation) survives a step of signing in; the locale is kept.
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def start_session(user) -> None:
    _fresh_session()
    login_user(user)


def await_second_factor(user, next_url: str | None) -> None:
    """The password was right: remember who is signing in (not signed in yet) until the code comes."""
    chosen = session.get("locale")
    _fresh_session()
    session["second_factor"] = {"user": user.get_id(), "since": time.time(), "next": next_url or "",
                                "chosen": chosen}


def finish_second_factor(user, pending: dict) -> str:
    """Sign in the person whose code was right; returns where they were going."""
    if pending.get("chosen"):
        session["locale"] = pending["chosen"]
    _sign_in(user)
    return local_path(pending.get("next")) or url_for("dashboard.home")


def _sign_in(user) -> None:
    """Start the session of someone who just proved who they are, and keep their language on the account."""
    chosen = session.get("locale")
    start_session(user)
    profile.adopt_language(user, chosen=chosen, negotiated=str(get_locale()))


@bp.route("/sign-up", methods=["GET", "POST"])
@rate_limited("sign_up", methods=["POST"])
def sign_up():
    """Create an affiliate or merchant account, as far as the sign-up policy lets people in by themselves."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    roles = sign_up_policy.open_roles()
    if not roles:
        return render_template("auth/sign_up.html", form=None, roles=roles, role=None)
    asked = request.form.get("role") if request.method == "POST" else request.args.get("role")
    role = asked if asked in roles else roles[0]
    form = sign_up_form(role)
    if request.method == "POST" and asked not in roles:
        # A merchant's form sent while merchants may not sign themselves up: nothing is created.
        form.form_errors.append(_("Merchants join by invitation. Ask the program's team for one."))
    elif form.validate_on_submit():
        merchant = role == "merchant"
        try:
            user = accounts.create_user(
                form.email.data, form.password.data, role, form.name.data,
                company_name=form.company_name.data if merchant else None,
                # The language the visitor reads now: picked, or negotiated from the browser.
                website=form.website.data or None, locale=str(get_locale()),
            )
        except accounts.EmailTaken:
            form.email.errors.append(_("An account with this email already exists."))
        else:
            start_session(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("dashboard.home"))
    return render_template("auth/sign_up.html", form=form, roles=roles, role=role)


@bp.route("/sign-in", methods=["GET", "POST"])
@rate_limited("sign_in", methods=["POST"])
def sign_in():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data, client_ip())
        except TooManyAttempts as exc:
            minutes = -(-exc.retry_after // 60)
            form.form_errors.append(_("Too many failed sign-ins. Please wait %(minutes)d minutes and try again, "
                                      "or reset your password.", minutes=minutes))
            return render_template("auth/sign_in.html", form=form), 429, {"Retry-After": str(exc.retry_after)}
        except InvalidCredentials:
            form.password.errors.append(_("Wrong email or password."))
        else:
            if user.has_two_factor:
                await_second_factor(user, form.next.data)
                return redirect(url_for("auth.second_factor"))
            _sign_in(user)
            flash(_("Signed in."), "success")
            return redirect(local_path(form.next.data) or url_for("dashboard.home"))
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out():
    """End this session and every other one of this account."""
    accounts.sign_out(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("Signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.get("/account")
@login_required
def account():
    """The account page moved into the settings; old links and bookmarks land there."""
    return redirect(url_for("settings.index"), code=301)


@bp.route("/forgot", methods=["GET", "POST"])
@rate_limited("forgot_password", methods=["POST"])
def forgot_password():
    """Ask for a password reset link by email."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = accounts.find_by_email(form.email.data)
        if user and not user.is_disabled:
            link = url_for("auth.reset_password", token=accounts.make_reset_token(user), _external=True)
            with in_language_of(user):
                mail.send_email(user.email, _("Reset your password"), _(
                    "Someone asked to reset the password of your account. To choose a new one, open this link "
                    "within an hour:\n\n%(link)s\n\nIf it was not you, ignore this message.", link=link))
        # The same answer either way, so the form does not reveal which emails have accounts.
        flash(_("If an account exists for that email, a reset link is on its way."), "info")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an emailed link (expires in an hour, works once)."""
    try:
        accounts.user_for_reset_token(token)
    except InvalidResetToken:
        flash(_("This reset link is invalid, expired or already used. Ask for a new one."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data, ip=client_ip())
        except InvalidResetToken:
            flash(_("This reset link is invalid, expired or already used. Ask for a new one."), "error")
            return redirect(url_for("auth.forgot_password"))
        flash(_("Your password has been changed. Please sign in."), "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset.html", form=form)
