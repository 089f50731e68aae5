"""Forms for joining, leaving and deciding on memberships."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.ids import is_id

NOTE_MAX = 1000
DECISIONS = [SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))]


class ConfirmForm(FlaskForm):
    """Only the CSRF token: join and leave need nothing else."""


def _note():
    return TextAreaField(_l("Note to the affiliate (optional)"),
                         validators=[Optional(), Length(max=NOTE_MAX)])


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=DECISIONS, validators=[DataRequired()])
    note = _note()


class _Ids(SelectMultipleField):
    """Membership ids ticked in the list; anything that is not a number is ignored."""

    def pre_validate(self, form):
        pass

    def process_formdata(self, valuelist):
        self.data = sorted({int(v) for v in valuelist if v.isascii() and v.isdigit() and is_id(int(v))})


class BulkDecisionForm(FlaskForm):
    ids = _Ids(_l("Applications"), coerce=int)
    decision = RadioField(_l("Decision"), choices=DECISIONS, validators=[DataRequired()])
    note = _note()


class RemoveForm(FlaskForm):
    note = TextAreaField(_l("Reason (optional, sent to the affiliate)"),
                         validators=[Optional(), Length(max=NOTE_MAX)])
