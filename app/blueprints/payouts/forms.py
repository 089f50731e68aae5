"""The affiliate's payout forms: payout details, a payout request, cancelling a request, the statement's filters."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, RadioField, SelectField, StringField, TelField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.blueprints.forms import plausible_date, positive_amount, strip
from app.labels import label
from app.models.money import LEDGER_KINDS
from app.services.payouts import details
from app.services.payouts.errors import InvalidPayoutDetails


def _check(clean, *args):
    """Run one of the service's checks; its refusal becomes this field's error."""
    try:
        return clean(*args)
    except InvalidPayoutDetails as exc:
        raise ValidationError(exc.message) from exc


class PayoutDetailsForm(FlaskForm):
    """Where the affiliate wants to be paid. The chosen method's details are required; the others'
    are checked only when filled in (the same rules as `payout_details.clean`)."""

    method = RadioField(_l("Default payout method"),
                        choices=[("bank_transfer", _l("Bank transfer")), ("momo", _l("Momo")),
                                 ("paypal", _l("PayPal"))],
                        validators=[InputRequired(_l("Choose how you want to be paid."))])
    bank_code = SelectField(_l("Bank"))
    bank_name = StringField(_l("Bank name (if it is not in the list)"), filters=[strip],
                            validators=[Length(max=details.BANK_NAME_MAX)])
    bank_account = StringField(_l("Account number"), filters=[strip], validators=[Length(max=40)],
                               render_kw={"inputmode": "numeric", "autocomplete": "off"})
    account_holder = StringField(_l("Account holder (as printed on the account)"), filters=[strip],
                                 validators=[Length(max=details.HOLDER_MAX)])
    momo_phone = TelField(_l("Momo phone number"), filters=[strip], validators=[Length(max=20)],
                          render_kw={"autocomplete": "tel"})
    paypal_email = EmailField(_l("PayPal email"), filters=[strip], validators=[Length(max=254)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bank_code.choices = ([("", _l("Choose a bank"))] + list(details.BANKS)
                                  + [(details.OTHER_BANK, _l("Other bank"))])

    def values(self) -> dict:
        return {name: self[name].data for name in
                ("bank_code", "bank_name", "bank_account", "account_holder", "momo_phone", "paypal_email")}

    def _wants_bank(self) -> bool:
        return self.method.data == "bank_transfer" or bool(self.bank_account.data or self.account_holder.data)

    def validate_bank_code(self, field):
        if self._wants_bank() and field.data != details.OTHER_BANK:
            _check(details.clean_bank, field.data, None)

    def validate_bank_name(self, field):
        if self._wants_bank() and self.bank_code.data == details.OTHER_BANK:
            _check(details.clean_bank, self.bank_code.data, field.data)

    def validate_bank_account(self, field):
        if self._wants_bank():
            _check(details.clean_account_number, field.data)

    def validate_account_holder(self, field):
        if self._wants_bank():
            _check(details.clean_account_holder, field.data)

    def validate_momo_phone(self, field):
        if self.method.data == "momo" or field.data:
            _check(details.clean_momo_phone, field.data)

    def validate_paypal_email(self, field):
        if self.method.data == "paypal" or field.data:
            _check(details.clean_paypal_email, field.data)


class PayoutRequestForm(FlaskForm):
    currency = SelectField(_l("Currency"), validators=[InputRequired()])
    amount = StringField(_l("Amount"), filters=[strip],
                         validators=[InputRequired(_l("Enter the amount you want to be paid.")), Length(max=40)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})

    method = RadioField(_l("Pay it to"), validators=[InputRequired(_l("Choose where the payout goes."))])

    def __init__(self, *args, currencies=(), stripe_ready: bool = False, details: str | None = None, **kwargs):
        """`details`: where the affiliate's payout details send money ("Vietcombank •••• 6789"), if they have
        some; the choice of where to be paid is offered only with a ready Stripe account."""
        super().__init__(*args, **kwargs)
        self.currency.choices = [(c, c) for c in currencies]
        self.minor_amount: int | None = None
        if not stripe_ready:
            del self.method
            return
        self.method.choices = ([("details", details)] if details else []) + [("stripe", _l("My Stripe account"))]
        if self.method.data is None:
            self.method.data = self.method.choices[0][0]

    @property
    def chosen_method(self) -> str | None:
        """"stripe", "details", or None when there was no choice (the payout details)."""
        return self.method.data if "method" in self._fields else None

    def validate_amount(self, field):
        if self.currency.errors or not self.currency.data:
            return
        self.minor_amount = positive_amount(field.data, self.currency.data)


class StatementFilterForm(FlaskForm):
    """Currency, kind of entry and days of the affiliate's statement (read from the query string)."""

    class Meta:
        csrf = False

    currency = SelectField(_l("Currency"), validators=[Optional()])
    kind = SelectField(_l("Entry"), validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional(), plausible_date])
    date_to = DateField(_l("To"), validators=[Optional(), plausible_date])

    def __init__(self, *args, currencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.currency.choices = [("", _l("All currencies"))] + [(c, c) for c in currencies]
        self.kind.choices = [("", _l("All entries"))] + [(kind, label(kind)) for kind in LEDGER_KINDS]

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("The end date is before the start date."))
