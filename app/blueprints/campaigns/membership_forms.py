"""Forms for deciding on memberships and removing members."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.blueprints.forms import TickedIds

NOTE_MAX = 1000
DECISIONS = [SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))]


def _note():
    return TextAreaField(_l("Note to the affiliate (optional)"),
                         validators=[Optional(), Length(max=NOTE_MAX)])


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=DECISIONS, validators=[DataRequired()])
    note = _note()



class BulkDecisionForm(FlaskForm):
    ids = TickedIds(_l("Applications"), coerce=int)
    decision = RadioField(_l("Decision"), choices=DECISIONS, validators=[DataRequired()])
    note = _note()


class RemoveForm(FlaskForm):
    note = TextAreaField(_l("Reason (optional, sent to the affiliate)"),
                         validators=[Optional(), Length(max=NOTE_MAX)])
