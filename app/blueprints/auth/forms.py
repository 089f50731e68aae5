"""Account forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField, URLField
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, ValidationError

from app.blueprints.forms import strip
from app.services.accounts.accounts import PASSWORD_MAX, PASSWORD_MIN, find_by_email


def password_field(label):
    """A new password, within the length the accounts service accepts."""
    return PasswordField(label, validators=[
        DataRequired(),
        Length(min=PASSWORD_MIN, max=PASSWORD_MAX,
               message=_l("Password must be %(min)d to %(max)d characters.", min=PASSWORD_MIN, max=PASSWORD_MAX)),
    ])


class NewAccountRules:
    """The checks of a new account, whoever creates it: a free email, a merchant's company name and website.

    For a form with `role`, `email`, `company_name` and `website` fields.
    """

    def validate_email(self, field):
        if find_by_email(field.data or ""):
            raise ValidationError(_l("An account with this email already exists."))

    def validate_company_name(self, field):
        if self.role.data == "merchant" and not (field.data or "").strip():
            raise ValidationError(_l("Merchants need a company name."))

    def validate_website(self, field):
        if not (field.data or "").strip():
            if self.role.data == "merchant":
                raise ValidationError(_l("Merchants need a website."))
            return
        if not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_l("Enter a full http(s) address."))
        URL(require_tld=False, message=_l("Enter a full http(s) address."))(self, field)


class SignUpForm(NewAccountRules, FlaskForm):
    # The role is picked before the form (each role sees only its own fields); the view checks it is open.
    role = HiddenField(default="affiliate", validators=[DataRequired()])
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(message=_l("Enter a valid email address.")),
                                               Length(max=254)])
    password = password_field(_l("Password"))
    confirm = PasswordField(_l("Repeat password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))])
    # No Optional() here: it would stop the chain on an empty value before the merchant checks below run.
    company_name = StringField(_l("Company name"), validators=[Length(max=160)], filters=[strip])
    website = URLField(_l("Website"), validators=[Length(max=500)], filters=[strip])


def sign_up_form(role: str, **kwargs) -> SignUpForm:
    """The sign-up form with the fields of `role` only (a merchant's company name)."""
    form = SignUpForm(**kwargs)
    form.role.data = role
    if role != "merchant":
        del form.company_name
    return form


def invitation_form(role: str, **kwargs) -> SignUpForm:
    """The sign-up form of an invitation: the email and role come from the invitation."""
    form = sign_up_form(role, **kwargs)
    del form.email
    return form


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = password_field(_l("New password"))
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(message=_l("Enter a valid email address."))])


class ResetPasswordForm(FlaskForm):
    password = password_field(_l("New password"))
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))])


class SecondFactorForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True})
