"""Account settings for every role: name, email, language, notifications, password, sessions."""
from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from app.blueprints.auth.forms import ChangePasswordForm
from app.blueprints.forms import ConfirmForm
from app.blueprints.settings import bp
from app.blueprints.settings.forms import EmailForm, LanguageForm, ProfileForm, notifications_form
from app.blueprints.web import client_ip
from app.services.accounts import accounts, email_change, notifications, profile
from app.services.accounts.accounts import EmailTaken, InvalidCredentials
from app.services.accounts.notifications import choices_for

# Each form of the page: its prefix and how to build it for the signed-in user.
FORMS = {
    "profile": lambda user, **kw: ProfileForm(prefix="profile", data={"name": user.name}, **kw),
    "email": lambda user, **kw: EmailForm(prefix="email", **kw),
    "language": lambda user, **kw: LanguageForm(prefix="language", data={"locale": _current_locale(user)}, **kw),
    "notifications": lambda user, **kw: notifications_form(user, prefix="notify", **kw),
    "password": lambda user, **kw: ChangePasswordForm(prefix="password", **kw),
    "sessions": lambda user, **kw: ConfirmForm(prefix="sessions", **kw),
}


def _current_locale(user) -> str:
    return user.locale or session.get("locale") or ""


def _me():
    return current_user._get_current_object()


def _page(**bound):
    """The settings page; `bound` forms keep what was entered and their errors, the rest show saved values."""
    user = _me()
    forms = {name: bound.get(name) or build(user, formdata=None) for name, build in FORMS.items()}
    return render_template("settings/index.html", forms=forms, has_notifications=bool(choices_for(user.role)))


def _back(section: str):
    return redirect(url_for("settings.index", _anchor=section))


@bp.get("")
@login_required
def index():
    """Everything a person sets about their own account, on one page."""
    return _page()


@bp.post("/profile")
@login_required
def save_profile():
    """Change the name others see."""
    form = FORMS["profile"](_me())
    if form.validate_on_submit():
        profile.rename(_me(), form.name.data, ip=client_ip())
        flash(_("Your name is saved."), "success")
        return _back("profile")
    return _page(profile=form)


@bp.post("/email")
@login_required
def change_email():
    """Ask to sign in with another email; it changes once the link sent there is opened."""
    form = FORMS["email"](_me())
    if form.validate_on_submit():
        try:
            email_change.request_change(_me(), form.email.data, form.password.data, ip=client_ip())
        except InvalidCredentials:
            form.password.errors.append(_("Your current password is wrong."))
        except EmailTaken:
            form.email.errors.append(_("An account with this email already exists."))
        except email_change.SameEmail:
            form.email.errors.append(_("That is already your email."))
        else:
            flash(_("We sent a link to %(email)s. Your email changes when you open it.",
                    email=accounts.normalize_email(form.email.data)), "info")
            return _back("email")
    return _page(email=form)


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Confirm a new sign-in email from the emailed link (a button, so mail scanners opening links change nothing)."""
    done = url_for("settings.index") if current_user.is_authenticated else url_for("auth.sign_in")
    form = ConfirmForm()
    try:
        if not form.validate_on_submit():
            _user, new_email = email_change.pending(token)
            return render_template("settings/confirm_email.html", form=form, token=token, new_email=new_email)
        email_change.confirm(token, ip=client_ip())
    except email_change.InvalidEmailLink:
        flash(_("This confirmation link is invalid, expired or already used."), "error")
    except EmailTaken:
        flash(_("Another account uses this email now, so yours was not changed."), "error")
    else:
        flash(_("Your email is changed. Use it to sign in from now on."), "success")
    return redirect(done)


@bp.post("/language")
@login_required
def save_language():
    """Choose the language of pages and emails."""
    form = FORMS["language"](_me())
    if form.validate_on_submit():
        profile.set_language(_me(), form.locale.data)
        session["locale"] = form.locale.data
        flash(_("Language saved."), "success")
        return _back("language")
    return _page(language=form)


@bp.post("/notifications")
@login_required
def save_notifications():
    """Choose which emails to get."""
    form = FORMS["notifications"](_me())
    if form.validate_on_submit():
        notifications.save(_me(), form.chosen(), ip=client_ip())
        flash(_("Your email choices are saved."), "success")
        return _back("notifications")
    return _page(notifications=form)


@bp.post("/password")
@login_required
def change_password():
    """Change the password; every other session of the account ends."""
    form = FORMS["password"](_me())
    if form.validate_on_submit():
        try:
            accounts.change_password(_me(), form.current_password.data, form.password.data, ip=client_ip())
        except InvalidCredentials:
            form.current_password.errors.append(_("Your current password is wrong."))
        else:
            login_user(_me())  # this session carries the new token; the others' no longer match
            flash(_("Password changed. Other sessions have been signed out."), "success")
            return _back("password")
    return _page(password=form)


@bp.post("/sessions")
@login_required
def sign_out_others():
    """End every other session of the account (another browser, a lost phone); this one stays."""
    form = FORMS["sessions"](_me())
    if form.validate_on_submit():
        accounts.sign_out_others(_me(), ip=client_ip())
        login_user(_me())
        flash(_("Every other session has been signed out."), "success")
    return _back("sessions")
