"""Forms of the Stripe pages: connecting an account, reversing a transfer, paying a selection now."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from app.blueprints.forms import TickedIds, strip
from app.services.stripe_connect import countries

REASON_MAX = 500


class ConnectForm(FlaskForm):
    """Where the affiliate lives: Stripe opens the account in that country, for good."""

    country = SelectField(_l("Country you live in"), validators=[InputRequired(_l("Choose your country."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        supported = countries.supported()
        self.country.choices = [("", _l("Choose your country"))] + [
            (code, name) for code, name in countries.choices() if code in supported]


class PayNowForm(FlaskForm):
    """The ticked payout requests of the queue to send through Stripe now."""

    ids = TickedIds(_l("Payout requests"), coerce=int)


class ReverseForm(FlaskForm):
    reason = StringField(_l("Why the transfer is taken back"), filters=[strip],
                         validators=[DataRequired(_l("Give a reason.")), Length(max=REASON_MAX)])


class DaysForm(FlaskForm):
    """The reconciliation's window, read from the query string."""

    class Meta:
        csrf = False

    days = SelectField(_l("Compare the last"), choices=[("7", _l("7 days")), ("30", _l("30 days")),
                                                        ("90", _l("90 days")), ("365", _l("365 days"))],
                       default="30")
