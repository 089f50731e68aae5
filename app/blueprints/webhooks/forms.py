"""The webhook endpoint form: an address that passes the network checks and at least one event."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, ValidationError, widgets
from wtforms.validators import DataRequired, Length, Optional

from app.services.webhooks import endpoints, events
from app.services.webhooks.urls import MAX_URL, UnsafeUrl

EVENT_LABELS = {
    "conversion.created": _l("A conversion is recorded"),
    "conversion.approved": _l("A conversion is approved"),
    "conversion.rejected": _l("A conversion is rejected"),
    "conversion.refunded": _l("A conversion is refunded or reversed"),
    "membership.requested": _l("An affiliate applies to a campaign"),
    "membership.decided": _l("An application is approved or rejected"),
    "payout.requested": _l("A payout is requested"),
    "payout.paid": _l("A payout is paid"),
    "payout.failed": _l("A payout failed"),
}
URL_MESSAGES = {
    "invalid_url": _l("Enter a full address such as https://shop.example.com/webhooks, without a user name or "
                      "password."),
    "invalid_scheme": _l("Only http:// and https:// addresses can receive webhooks."),
    "unknown_host": _l("This host name could not be found."),
    "private_address": _l("This address leads to a private, local or reserved network; webhooks are only sent "
                          "to public addresses."),
}


class EventsField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class EndpointForm(FlaskForm):
    url = StringField(_l("Address (URL)"), validators=[
        DataRequired(message=_l("Enter the address that receives the events.")),
        Length(max=MAX_URL, message=_l("At most %(max)d characters.", max=MAX_URL))])
    description = StringField(_l("Description"), validators=[
        Optional(), Length(max=200, message=_l("At most %(max)d characters.", max=200))])
    events = EventsField(_l("Events"), validators=[DataRequired(message=_l("Choose at least one event."))])

    def __init__(self, *args, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.events.choices = [(name, EVENT_LABELS[name]) for name in events.EVENTS_FOR_ROLE[role]]

    def validate_url(self, field):
        try:
            field.data = endpoints.check_url(field.data)
        except UnsafeUrl as exc:
            raise ValidationError(URL_MESSAGES[exc.code]) from exc
