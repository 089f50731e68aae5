"""Forms of the admin's payout pages: queue filters, decisions, payments, the bank files and write-offs."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.blueprints.forms import TickedIds, plausible_date, positive_amount, strip
from app.models.money import PAYOUT_METHODS, PAYOUT_STATUSES
from app.services.ledger.owed import REASON_MAX as OWED_REASON_MAX
from app.services.payouts import proofs
from app.services.payouts.results_file import IMPORT_MAX_BYTES
from app.services.payouts.states import NOTES_MAX, REASON_MAX, TRANSACTION_MAX

# How an admin can have paid by hand.
MANUAL_METHODS = ("bank_transfer", "momo", "paypal", "cash", "other")


def local_today() -> date:
    """Today in the display timezone: the day an admin in Vietnam calls "today"."""
    return local_date(datetime.now(UTC))


def local_date(moment: datetime) -> date:
    """The calendar day of `moment` (naive UTC or aware) in the display timezone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(str(get_timezone()))).date()


def _labelled(codes):
    from app.labels import label

    return [(code, label(code)) for code in codes]


class QueueFilterForm(FlaskForm):
    """The queue's filters, read from the query string."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    method = SelectField(_l("Method"), validators=[Optional()])
    currency = SelectField(_l("Currency"), validators=[Optional()])
    date_from = DateField(_l("Requested from"), validators=[Optional(), plausible_date])
    date_to = DateField(_l("Requested to"), validators=[Optional(), plausible_date])

    def __init__(self, *args, currencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("All statuses"))] + _labelled(PAYOUT_STATUSES)
        self.method.choices = [("", _l("All methods"))] + _labelled(PAYOUT_METHODS)
        self.currency.choices = [("", _l("All currencies"))] + [(c, c) for c in currencies]

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("The end date is before the start date."))


def _reason(label):
    return StringField(label, validators=[DataRequired(_l("Give a reason.")), Length(max=REASON_MAX)])


class RejectForm(FlaskForm):
    reason = _reason(_l("Reason for rejecting"))


class FailForm(FlaskForm):
    reason = _reason(_l("Why the payment failed"))



class BulkApproveForm(FlaskForm):
    ids = TickedIds(_l("Payout requests"), coerce=int)


def _check_proof(field) -> None:
    if not field.data:
        return
    try:
        proofs.check(field.data.stream)
    except proofs.ProofRejected as exc:
        raise ValidationError(exc.message) from exc
    finally:
        field.data.stream.seek(0)


class _PaymentFields(FlaskForm):
    method = SelectField(_l("Paid by"), validators=[DataRequired()])
    transaction_id = StringField(_l("Transaction id"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                                 validators=[DataRequired(_l("Enter the transaction id of the payment.")),
                                             Length(max=TRANSACTION_MAX)])
    notes = TextAreaField(_l("Notes (optional)"), validators=[Optional(), Length(max=NOTES_MAX)])
    proof = FileField(_l("Proof of payment (optional): PNG, JPEG or PDF, at most 5 MB"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.method.choices = _labelled(MANUAL_METHODS)

    def validate_proof(self, field):
        _check_proof(field)


class PaymentForm(_PaymentFields):
    """Record a payment made by hand."""

    paid_on = DateField(_l("Paid on"), default=local_today,
                        validators=[InputRequired(_l("Enter the date the payment was made.")), plausible_date])
    # Field order on the page: method, transaction id, date, notes, proof.
    _order = ("method", "transaction_id", "paid_on", "notes", "proof")

    def __init__(self, *args, requested_on: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.requested_on = requested_on

    def validate_paid_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_("The payment date cannot be in the future."))
        if field.data and self.requested_on and field.data < self.requested_on:
            raise ValidationError(_("The payment date cannot be before the request was made."))

    def ordered(self):
        return [self[name] for name in self._order]


class CorrectionForm(_PaymentFields):
    """Fix the payment record of a paid request; a new proof replaces the old one."""

    def ordered(self):
        return [self[name] for name in ("method", "transaction_id", "notes", "proof")]


class ImportForm(FlaskForm):
    file = FileField(_l("Results file (CSV or Excel .xlsx)"),
                     validators=[FileRequired(_l("Choose the CSV or Excel file to import."))],
                     render_kw={"accept": ".csv,.xlsx,text/csv,"
                                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})

    def validate_file(self, field):
        data = field.data.stream.read(IMPORT_MAX_BYTES + 1)
        field.data.stream.seek(0)
        if len(data) > IMPORT_MAX_BYTES:
            raise ValidationError(_("The file is larger than 1 MB."))


class ImportApplyForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])


class WriteOffForm(FlaskForm):
    """Forgive (part of) what an affiliate owes after a clawback, with the reason for the audit log."""

    amount = StringField(_l("Amount to write off"), filters=[strip],
                         validators=[InputRequired(_l("Enter the amount to write off.")), Length(max=40)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    reason = TextAreaField(_l("Reason"), filters=[strip], render_kw={"rows": 2}, validators=[
        DataRequired(_l("Say why the amount is written off.")),
        Length(max=OWED_REASON_MAX, message=_l("At most %(max)d characters.", max=OWED_REASON_MAX))])

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.minor_amount: int | None = None

    def validate_amount(self, field):
        self.minor_amount = positive_amount(field.data, self.currency)
