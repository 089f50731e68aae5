"""The filters above the list of every affiliate a reviewer works with."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectChoice, SelectField
from wtforms.validators import Length, Optional

from app.blueprints.forms import strip
from app.labels import label
from app.services.campaigns.affiliate_figures import statuses_for
from app.services.campaigns.member_figures import DEFAULT_DAYS, PERIODS


class AffiliateFilterForm(FlaskForm):
    """Read from the query string; a field that does not validate is ignored and shows its error."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name or email"), validators=[Optional(), Length(max=254)], filters=[strip])
    status = SelectField(_l("Status"), validators=[Optional()])
    days = SelectField(_l("Figures of the last"), coerce=int, default=DEFAULT_DAYS, validators=[Optional()])

    def __init__(self, *args, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice("", _l("Any status"))] + [
            SelectChoice(status, label(status)) for status in statuses_for(role)]
        self.days.choices = [SelectChoice(days, lazy_ngettext("%(num)d day", "%(num)d days", days))
                             for days in PERIODS]
