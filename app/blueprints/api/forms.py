"""The API key form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.services.accounts.api_keys import LABEL_MAX


class ApiKeyForm(FlaskForm):
    label = StringField(_l("Name of the key"),
                        validators=[DataRequired(message=_l("Give the key a name.")),
                                    Length(max=LABEL_MAX, message=_l("At most %(max)d characters.", max=LABEL_MAX))])
