"""Campaign forms: the merchant's campaign form and the small forms of the list pages."""
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.blueprints.forms import WholeNumberField
from app.models.campaigns import CAMPAIGN_STATUSES
from app.money import CURRENCIES, MoneyInputError, format_for_input, parse_money
from app.services.campaigns import campaigns
from app.urls import host_of

WHOLE_NUMBER = _l("Enter a whole number.")


def _optional_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _days(label, low, high, default):
    return WholeNumberField(label, default=default, invalid_value_message=WHOLE_NUMBER, validators=[
        InputRequired(message=_l("Enter a number of days.")),
        NumberRange(min=low, max=high, message=_l("Enter a number of days from %(min)d to %(max)d.",
                                                  min=low, max=high)),
    ])


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Enter a name.")),
        Length(max=campaigns.NAME_MAX, message=_l("At most %(max)d characters.", max=campaigns.NAME_MAX))])
    description = TextAreaField(_l("Description"), validators=[
        Optional(), Length(max=5000, message=_l("At most %(max)d characters.", max=5000))])
    landing_url = URLField(_l("Landing page"), validators=[
        DataRequired(message=_l("Enter the address of the landing page.")),
        Length(max=2000, message=_l("At most %(max)d characters.", max=2000))])
    allowed_hosts = TextAreaField(_l("Hosts allowed for deep links"), render_kw={"rows": 3}, validators=[
        Optional(), Length(max=5000, message=_l("At most %(max)d characters.", max=5000))])
    pays_for = RadioField(_l("Pays for"), default="sale", choices=[
        ("sale", _l("A sale: an order with its amount")), ("lead", _l("A lead: a sign-up or a form, no amount"))],
        # Not sent (an old form, a script): a sale, as every campaign was before campaigns said.
        validators=[Optional()])
    commission_type = RadioField(_l("Commission"), default="percent", choices=[
        ("percent", _l("Percentage of the order amount")), ("fixed", _l("Fixed amount per conversion"))],
        validators=[InputRequired(message=_l("Choose a commission type."))])
    commission_rate = StringField(_l("Rate (%)"), render_kw={"inputmode": "decimal"})
    commission_fixed = StringField(_l("Fixed amount"), render_kw={"inputmode": "decimal"})
    currency = SelectField(_l("Currency"), choices=[(c, c) for c in CURRENCIES],
                           validators=[InputRequired(message=_l("Choose a currency."))])
    attribution_days = _days(_l("Attribution window (days)"), *campaigns.ATTRIBUTION_DAYS, 30)
    join_mode = RadioField(_l("How affiliates join"), default="open", choices=[
        ("open", _l("Open: approved at once")), ("review", _l("Review: I approve each affiliate"))],
        validators=[InputRequired(message=_l("Choose how affiliates join."))])
    max_affiliates = WholeNumberField(_l("Maximum affiliates"), invalid_value_message=WHOLE_NUMBER, validators=[
        Optional(), NumberRange(min=1, max=campaigns.MAX_AFFILIATES_MAX, message=_l(
            "Enter a number from 1 to %(max)d, or leave empty for no limit.", max=campaigns.MAX_AFFILIATES_MAX))])
    starts_on = DateField(_l("Starts on"), invalid_value_message=_l("Enter a date."), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), invalid_value_message=_l("Enter a date."), validators=[Optional()])
    hold_days = _days(_l("Hold period (days)"), *campaigns.HOLD_DAYS, 30)
    terms = TextAreaField(_l("Terms for affiliates"), validators=[
        Optional(), Length(max=20000, message=_l("At most %(max)d characters.", max=20000))])
    auto_approve = BooleanField(_l("Approve conversions automatically after the hold period"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted() and not self.currency.data:
            self.currency.data = current_app.config["DEFAULT_CURRENCY"]
        self.rate_value: Decimal | None = None
        self.fixed_value: int | None = None

    @classmethod
    def for_campaign(cls, campaign):
        """The form filled with a campaign's values, amounts written the way people type them."""
        form = cls(obj=campaign)
        if not form.is_submitted():
            form.commission_fixed.data = format_for_input(campaign.commission_fixed, campaign.currency)
            rate = campaign.commission_rate
            form.commission_rate.data = "" if rate is None else f"{rate.normalize():f}"
        return form

    def validate_landing_url(self, field):
        if host_of((field.data or "").strip()) is None:
            raise ValidationError(_l("Enter a full http:// or https:// address."))

    def validate_allowed_hosts(self, field):
        try:
            campaigns.parse_hosts(field.data or "")
        except ValueError as exc:
            raise ValidationError(_l("“%(host)s” is not a host name. Enter one host per line, like "
                                     "shop.example.com.", host=str(exc))) from exc

    def validate_commission_rate(self, field):
        if self.commission_type.data != "percent":
            return
        text = (field.data or "").strip().replace(",", ".")
        if not text:
            raise ValidationError(_l("Enter the commission rate."))
        try:
            rate = Decimal(text)
        except InvalidOperation as exc:
            raise ValidationError(_l("Enter a number, like 7.5.")) from exc
        if not rate.is_finite() or not 0 <= rate <= campaigns.RATE_MAX:
            raise ValidationError(_l("Enter a rate from 0 to 100."))
        if rate.as_tuple().exponent < -2:
            raise ValidationError(_l("Use at most two decimals."))
        self.rate_value = rate

    def validate_commission_type(self, field):
        if self.pays_for.data == "lead" and field.data != "fixed":
            raise ValidationError(_l("A lead has no order amount to take a percentage of: choose a fixed amount."))

    def validate_commission_fixed(self, field):
        if self.commission_type.data != "fixed" or self.currency.data not in CURRENCIES:
            return
        text = (field.data or "").strip()
        if not text:
            raise ValidationError(_l("Enter the amount paid per conversion."))
        if text.startswith(("-", "−")):
            raise ValidationError(_l("Enter an amount of 0 or more."))
        try:
            self.fixed_value = parse_money(text, self.currency.data)
        except MoneyInputError as exc:
            raise ValidationError(_l("Enter an amount in %(currency)s, like %(example)s.",
                                     currency=self.currency.data,
                                     example=format_for_input(50000, self.currency.data))) from exc

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def to_data(self) -> dict:
        """The values for the campaigns service."""
        return {
            "name": self.name.data, "description": self.description.data or "",
            "landing_url": self.landing_url.data.strip(), "allowed_hosts": self.allowed_hosts.data or "",
            "pays_for": self.pays_for.data or "sale",
            "commission_type": self.commission_type.data, "commission_rate": self.rate_value,
            "commission_fixed": self.fixed_value, "currency": self.currency.data,
            "attribution_days": self.attribution_days.data, "join_mode": self.join_mode.data,
            "max_affiliates": self.max_affiliates.data, "starts_on": self.starts_on.data,
            "ends_on": self.ends_on.data, "hold_days": self.hold_days.data, "terms": self.terms.data or "",
            "auto_approve": bool(self.auto_approve.data),
        }


class AdminCampaignForm(CampaignForm):
    """An admin creates a campaign on a merchant's behalf."""

    merchant_id = SelectField(_l("Merchant"), coerce=_optional_int, validate_choice=False)

    def validate_merchant_id(self, field):
        if field.data is None or field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a merchant."))


class StatusForm(FlaskForm):
    status = HiddenField(validators=[AnyOf(CAMPAIGN_STATUSES)])


class CampaignFilterForm(FlaskForm):
    """The search box and status filter of the merchant's list (read from the query string)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)],
                    render_kw={"placeholder": _l("Campaign name"), "autocomplete": "off"})
    status = SelectField(_l("Status"), validators=[Optional()], choices=[
        ("", _l("All statuses")), ("active", _l("Active")), ("paused", lazy_pgettext("status", "Paused")),
        ("ended", _l("Ended"))])


class DirectoryFilterForm(FlaskForm):
    """Search and commission-type filter of the affiliates' directory (its headings sort it)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)],
                    render_kw={"placeholder": _l("Campaign or merchant"), "autocomplete": "off"})
    commission_type = SelectField(_l("Commission type"), validators=[Optional()], choices=[
        ("", _l("All types")), ("percent", _l("Percentage")), ("fixed", _l("Fixed amount"))])
