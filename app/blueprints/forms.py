"""Form pieces every area shares: trimming typed text, amounts, dates, whole numbers, the confirm form, ticked ids."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, ValidationError

from app.ids import ID_MAX, is_id
from app.money import MoneyInputError, parse_money


def strip(value):
    """Surrounding spaces removed from text (a pasted value often has some); other values as they are."""
    return value.strip() if isinstance(value, str) else value


def positive_amount(text: str, currency: str) -> int:
    """An amount typed as people write money ("500.000", "12.50"), in minor units, above zero."""
    try:
        minor = parse_money(text, currency)
    except MoneyInputError as exc:
        raise ValidationError(_l("Enter an amount such as 500000 or 500.000.")) from exc
    if minor <= 0:
        raise ValidationError(_l("Enter an amount greater than zero."))
    return minor


def plausible_date(form, field):
    """Years far outside this century are typing mistakes (and overflow time zone arithmetic)."""
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Enter a date between 2000 and 2100."))


class WholeNumberField(IntegerField):
    """A whole number of at most 18 digits: anything longer cannot fit a 64-bit column (and a number
    beyond a float's range breaks WTForms' own NumberRange), so it is refused like any non-number."""

    MAX_DIGITS = 18

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist and isinstance(valuelist[0], str) else ""
        if len(text.lstrip("+-")) > self.MAX_DIGITS:
            self.data = None
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid integer value."))
        super().process_formdata(valuelist)


class ConfirmForm(FlaskForm):
    """A form whose button is the whole form: only the CSRF token."""


class TickedIds(SelectMultipleField):
    """Ids of the rows ticked in a list; anything that is not an id is ignored."""

    def pre_validate(self, form):
        pass

    def process_formdata(self, valuelist):
        digits = len(str(ID_MAX))
        self.data = sorted({int(v) for v in valuelist
                            if v.isascii() and v.isdigit() and len(v) <= digits and is_id(int(v))})
