"""Forms of the conversions area: list filters, review decisions and refunds."""
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.blueprints.forms import TickedIds, plausible_date, strip
from app.models.conversions import CONVERSION_SOURCES, CONVERSION_STATUSES
from app.money import MoneyInputError, parse_money
from app.services.conversions.flags import ANY_FLAG, FLAGS

REASON_MAX = 1000


def _id_or_none(value):
    if value in (None, ""):
        return None
    return int(value)


def _status_choices():
    from app.labels import label

    return [("", _l("All statuses"))] + [(s, label(s)) for s in CONVERSION_STATUSES]


class _DateRange:
    date_from = DateField(_l("From"), validators=[Optional(), plausible_date])
    date_to = DateField(_l("To"), validators=[Optional(), plausible_date])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("The end date is before the start date."))


class AffiliateFilterForm(_DateRange, FlaskForm):
    """Status, campaign and dates of the affiliate's own list (read from the query string)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    campaign = SelectField(_l("Campaign"), coerce=_id_or_none, validators=[Optional()])

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = _status_choices()
        self.campaign.choices = [("", _l("All campaigns"))] + [(c.id, c.name) for c in campaigns]


class ReviewFilterForm(AffiliateFilterForm):
    """The reviewer's filters: also by affiliate (typed, with suggestions) and by how the conversion was reported."""

    affiliate = SearchField(_l("Affiliate"), validators=[Optional(), Length(max=254)], filters=[strip],
                            render_kw={"list": "affiliate-choices", "autocomplete": "off"})
    source = SelectField(_l("Source"), validators=[Optional()])
    flag = SelectField(_l("Fraud signal"), validators=[Optional()])

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, campaigns=campaigns, **kwargs)
        from app.labels import label

        # Suggestions come as the field is typed in (a datalist), never a list of every affiliate.
        self.affiliate.render_kw = {
            **self.affiliate.render_kw, "placeholder": _("name or email"),
            "hx-get": url_for("analytics.affiliate_choices"), "hx-trigger": "input changed delay:300ms",
            "hx-target": "#affiliate-choices", "hx-swap": "outerHTML", "hx-sync": "this:replace",
            "hx-push-url": "false"}
        self.source.choices = [("", _l("All sources"))] + [(s, label(s)) for s in CONVERSION_SOURCES]
        self.flag.choices = [("", _l("Flagged or not")), (ANY_FLAG, _l("Any signal"))] + [
            (code, label(code)) for code in FLAGS]


class ClickFilterForm(FlaskForm):
    class Meta:
        csrf = False

    campaign = SelectField(_l("Campaign"), coerce=_id_or_none, validators=[Optional()])

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign.choices = [("", _l("All campaigns"))] + [(c.id, c.name) for c in campaigns]


class RejectForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Give a reason for rejecting.")),
                                                   Length(max=REASON_MAX)])



class BulkForm(FlaskForm):
    ids = TickedIds(_l("Conversions"), coerce=int)
    decision = RadioField(_l("Decision"), validators=[DataRequired(_l("Choose whether to approve or reject."))],
                          choices=[("approve", _l("Approve")), ("reject", _l("Reject"))])
    reason = StringField(_l("Reason for rejecting"), validators=[Length(max=REASON_MAX)])

    def validate_reason(self, field):
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError(_("Give a reason for rejecting."))


class RefundForm(FlaskForm):
    """A refund of the order, typed as people write money ("50.000", "1,5") in the conversion's currency."""

    amount = StringField(_l("Refunded amount"), validators=[DataRequired(_l("Enter the refunded amount."))])
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=REASON_MAX)])

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.minor_amount: int | None = None

    def validate_amount(self, field):
        try:
            minor = parse_money(field.data, self.currency)
        except MoneyInputError as exc:
            if str(exc) in ("no decimals", "too many decimals"):
                message = _("%(currency)s amounts do not have that many decimals.", currency=self.currency)
            else:
                message = _("Enter a number, like 50.000 or 50,000.")
            raise ValidationError(message) from exc
        if minor <= 0:
            raise ValidationError(_("The amount must be more than zero."))
        self.minor_amount = minor
