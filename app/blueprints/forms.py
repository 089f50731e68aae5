"""Form pieces every area shares: trimming typed text, the confirm form, the ids ticked in a list."""
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField

from app.ids import ID_MAX, is_id


def strip(value):
    """Surrounding spaces removed from text (a pasted value often has some); other values as they are."""
    return value.strip() if isinstance(value, str) else value


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
