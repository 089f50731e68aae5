"""Forms of the admin area: the audit log and user list filters, and creating an account."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, PasswordField, SearchField, SelectChoice, SelectField, StringField, URLField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from app.audit_labels import action_group_label, action_label
from app.blueprints.admin.helpers import object_name
from app.blueprints.auth.forms import NewAccountRules, password_field
from app.blueprints.forms import plausible_date, strip
from app.labels import label
from app.models.users import ROLES
from app.services.accounts.admin import STATUSES


class AuditFilterForm(FlaskForm):
    """Read from the query string; a field that does not validate is ignored and shows its error."""

    class Meta:
        csrf = False

    actor = SearchField(_l("Actor email"), validators=[Optional(), Length(max=254)], filters=[strip])
    action = SelectField(_l("Action"), validators=[Optional()])
    object_type = SelectField(_l("Object type"), validators=[Optional()])
    object_id = StringField(_l("Object id"), validators=[Optional(), Length(max=64)], filters=[strip])
    date_from = DateField(_l("From"), validators=[Optional(), plausible_date])
    date_to = DateField(_l("To"), validators=[Optional(), plausible_date])

    def __init__(self, *args, actions=(), prefixes=(), object_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        groups, each = str(_l("Every action of a kind")), str(_l("Actions"))
        self.action.choices = (
            [SelectChoice("", _l("All actions"))]
            + [SelectChoice(p, _("%(prefix)s (all)", prefix=action_group_label(p)), optgroup=groups) for p in prefixes]
            + [SelectChoice(a, action_label(a), optgroup=each) for a in actions]
        )
        self.object_type.choices = ([SelectChoice("", _l("All types"))]
                                    + [SelectChoice(t, object_name(t)) for t in object_types])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("The end date is before the start date."))


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Name or email"), validators=[Optional(), Length(max=254)], filters=[strip])
    role = SelectField(_l("Role"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice("", _l("All roles"))] + [SelectChoice(r, label(r)) for r in ROLES]
        self.status.choices = [SelectChoice("", _l("Any status"))] + [SelectChoice(s, label(s)) for s in STATUSES]


class CreateUserForm(NewAccountRules, FlaskForm):
    """A new account of any role, held to the same rules as signing up."""

    role = SelectField(_l("Role"), default="affiliate", validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(message=_l("Enter a valid email address.")),
                                               Length(max=254)], filters=[strip])
    password = password_field(_l("Password"))
    confirm = PasswordField(_l("Repeat password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))])
    company_name = StringField(_l("Company name (merchants)"), validators=[Length(max=160)], filters=[strip])
    website = URLField(_l("Website (merchants and affiliates)"), validators=[Length(max=500)], filters=[strip])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(r, label(r)) for r in ROLES]
