"""The API key form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length

from app.services.accounts.api_keys import LABEL_MAX

ACCESS_CHOICES = [("read", _l("Read only")), ("write", _l("Read and write"))]


class ApiKeyForm(FlaskForm):
    label = StringField(_l("Name of the key"),
                        validators=[DataRequired(message=_l("Give the key a name.")),
                                    Length(max=LABEL_MAX, message=_l("At most %(max)d characters.", max=LABEL_MAX))])
    access = RadioField(_l("What the key may do"), choices=ACCESS_CHOICES, default="read",
                        validators=[DataRequired(message=_l("Choose what the key may do."))])

    def scopes(self) -> tuple[str, ...]:
        return ("read", "write") if self.access.data == "write" else ("read",)
