"""The analytics page's filters, read from the query string."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SearchField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from app.blueprints.forms import plausible_date, strip
from app.services.analytics.periods import DEFAULT_PRESET

RANGE_CHOICES = (("7d", _l("Last 7 days")), ("30d", _l("Last 30 days")), ("90d", _l("Last 90 days")),
                 ("this_month", _l("This month")), ("last_month", _l("Last month")),
                 ("custom", _l("Custom range")))


def _id_or_none(value):
    if value in (None, ""):
        return None
    return int(value)


class AnalyticsFilterForm(FlaskForm):
    class Meta:
        csrf = False

    range = SelectField(_l("Period"), choices=RANGE_CHOICES, default=DEFAULT_PRESET, validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional(), plausible_date])
    date_to = DateField(_l("To"), validators=[Optional(), plausible_date])
    compare = BooleanField(_l("Compare with the previous period"))
    campaign = SelectField(_l("Campaign"), coerce=_id_or_none, validators=[Optional()], validate_choice=False)
    affiliate = SearchField(_l("Affiliate (email)"), validators=[Optional(), Length(max=254)], filters=[strip])
    link = StringField(_l("Link code"), validators=[Optional(), Length(max=32)], filters=[strip])
    sub_id = StringField(_l("Sub-ID"), validators=[Optional(), Length(max=100)], filters=[strip])
    currency = SelectField(_l("Currency"), validators=[Optional()], validate_choice=False)

    def __init__(self, *args, campaigns=(), currencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign.choices = [("", _l("All campaigns"))] + [(c.id, c.name) for c in campaigns]
        self.currency.choices = [(code, code) for code in currencies]

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("The end date is before the start date."))

    def validate_campaign(self, field):
        # A campaign id that is not a number at all: said beside the field, the filter dropped.
        if field.raw_data and field.raw_data[0] not in ("", None) and field.data is None:
            raise ValidationError(_("Choose a campaign from the list."))


class ReportSettingsForm(FlaskForm):
    """Which summary emails to receive."""

    weekly = BooleanField(_l("A weekly report, every Monday"))
    monthly = BooleanField(_l("A monthly report, on the first of the month"))
