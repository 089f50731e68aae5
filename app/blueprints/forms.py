"""Form pieces every area shares: trimming typed text, amounts, the confirm form, the ids ticked in a list."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, ValidationError

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
