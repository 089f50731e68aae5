"""Inviting people, and the admin's sign-up policy."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, RadioField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Email, Length

from app.extensions import db
from app.models.campaigns import Campaign

POLICIES = [
    SelectChoice("open", _l("Open: affiliates and merchants sign up by themselves")),
    SelectChoice("affiliates", _l("Affiliates only: merchants need an invitation")),
    SelectChoice("invitation", _l("Invitation only: nobody signs up without an invitation")),
]


class PolicyForm(FlaskForm):
    policy = RadioField(_l("Who may sign up"), choices=POLICIES, validators=[DataRequired()])


def invite_form(user, **kwargs) -> FlaskForm:
    """The invitation form for `user`: an admin picks the role; a campaign can be picked for an affiliate."""

    class InviteForm(FlaskForm):
        email = EmailField(_l("Email"), validators=[DataRequired(), Email(message=_l("Enter a valid email address.")),
                                                    Length(max=254)])

    if user.role == "admin":
        InviteForm.role = RadioField(_l("Invite as"), default="merchant", validators=[DataRequired()], choices=[
            SelectChoice("merchant", _l("Merchant")), SelectChoice("affiliate", _l("Affiliate"))])
    query = select(Campaign.id, Campaign.name).where(Campaign.status == "active").order_by(Campaign.name)
    if user.role != "admin":
        query = query.where(Campaign.merchant_id == user.id)
    choices = [SelectChoice("", _l("No campaign"))] + [
        SelectChoice(str(campaign_id), name) for campaign_id, name in db.session.execute(query)]
    InviteForm.campaign_id = SelectField(_l("Approve the affiliate into this campaign at once"), choices=choices,
                                         default="")
    form = InviteForm(**kwargs)
    form.role_value = form.role.data if user.role == "admin" else "affiliate"
    return form
