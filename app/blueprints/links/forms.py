"""The form for making a tracking link."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, URLField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.services.campaigns.links import LABEL_MAX, SUB_ID_MAX, SUB_ID_PATTERN


def _int_or_none(value):
    if value in (None, ""):
        return None
    return int(value)


class LinkForm(FlaskForm):
    # The choices only list where a link can be made; the service decides (and explains) for any id posted.
    campaign = SelectField(_l("Campaign"), coerce=_int_or_none, validate_choice=False,
                           validators=[DataRequired(message=_l("Choose a campaign."))])
    destination_url = URLField(
        _l("Destination (optional)"),
        description=_l("Leave empty for the campaign's landing page, or paste a page of the merchant's site."),
        validators=[Optional(), Length(max=2000, message=_l("The address is too long."))],
        render_kw={"placeholder": "https://"},
    )
    label = StringField(_l("Label (optional)"), validators=[
        Optional(), Length(max=LABEL_MAX, message=_l("The label can be at most %(max)d characters.", max=LABEL_MAX)),
    ])
    sub_id = StringField(_l("Sub-ID (optional)"), validators=[
        Optional(),
        Length(max=SUB_ID_MAX, message=_l("The sub-ID can be at most %(max)d characters.", max=SUB_ID_MAX)),
        Regexp(SUB_ID_PATTERN, message=_l("Use only letters, digits, '_', '-' and '.'.")),
    ])

    def set_campaigns(self, campaigns) -> None:
        self.campaign.choices = [("", _l("Choose a campaign"))] + [(c.id, c.name) for c in campaigns]
