"""Account settings forms; each has a prefix, so several can share one page without clashing ids."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from app.services.accounts.accounts import PASSWORD_MAX
from app.services.accounts.notifications import choices_for

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}  # each in its own language, as pickers show them


class ProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])


class EmailForm(FlaskForm):
    email = EmailField(_l("New email"), validators=[DataRequired(), Email(message=_l("Enter a valid email address.")),
                                                    Length(max=254)])
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language of pages and emails"),
                         choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()])


def notifications_form(user, **kwargs) -> FlaskForm:
    """A box per email the user's role may turn off, ticked as saved."""

    class NotificationsForm(FlaskForm):
        def chosen(self) -> list[str]:
            return [kind for kind, _label in choices_for(user.role) if self[kind].data]

    for kind, label in choices_for(user.role):
        setattr(NotificationsForm, kind, BooleanField(label, default=getattr(user, f"notify_{kind}")))
    return NotificationsForm(**kwargs)


class TotpSetupForm(FlaskForm):
    code = StringField(_l("Code shown by the app"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class PasswordCheckForm(FlaskForm):
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
