"""Invitations (admins and merchants) and the admin's sign-up policy."""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.forms import ConfirmForm
from app.blueprints.invitations import bp
from app.blueprints.invitations.forms import PolicyForm, invite_form
from app.blueprints.web import client_ip, page_arg, respond
from app.models.common import utcnow
from app.models.invitations import Invitation
from app.security import get_owned_or_404, role_required
from app.services.accounts import invitations, sign_up_policy
from app.services.accounts.accounts import EmailTaken


def _me():
    return current_user._get_current_object()


def _page(form=None, policy_form=None):
    user = _me()
    if form is None:
        # Opened from a campaign's affiliates: that campaign is picked already.
        form = invite_form(user, formdata=None, data={"campaign_id": request.args.get("campaign_id", "")})
    if policy_form is None and user.role == "admin":
        policy_form = PolicyForm(formdata=None, data={"policy": sign_up_policy.current()})
    sort = invitations.INVITATION_SORTS.read(request.args)
    return respond("invitations/index.html", "invitations/_list.html", form=form, policy_form=policy_form,
                   invitations=invitations.listed_for(user, sort, page_arg()), sort=sort, now=utcnow(),
                   revoke_form=ConfirmForm(formdata=None))


@bp.route("", methods=["GET", "POST"])
@role_required("admin", "merchant")
def index():
    """Invite people by email and see what became of the invitations."""
    user = _me()
    form = invite_form(user)
    if request.method == "GET":
        return _page()
    if form.validate_on_submit():
        try:
            invitation = invitations.invite(user, form.email.data, form.role_value,
                                            int(form.campaign_id.data) if form.campaign_id.data else None,
                                            ip=client_ip())
        except EmailTaken:
            form.email.errors.append(_("An account with this email already exists."))
        except invitations.NotYourCampaign:
            form.campaign_id.errors.append(_("Pick one of your own campaigns, for an affiliate."))
        else:
            flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("invitations.index"))
    return _page(form=form)


@bp.post("/<int:invitation_id>/revoke")
@role_required("admin", "merchant")
def revoke(invitation_id: int):
    """Make a pending invitation's link stop working."""
    invitation = get_owned_or_404(Invitation, invitation_id)
    if ConfirmForm().validate_on_submit():
        try:
            invitations.revoke(invitation, _me(), ip=client_ip())
        except invitations.InvalidInvitation:
            flash(_("Only a pending invitation can be revoked."), "error")
        else:
            flash(_("Invitation to %(email)s revoked.", email=invitation.email), "success")
    return redirect(url_for("invitations.index"))


@bp.post("/policy")
@role_required("admin")
def save_policy():
    """Choose who may sign up without an invitation."""
    form = PolicyForm()
    if form.validate_on_submit():
        sign_up_policy.set_policy(form.policy.data, _me().id, ip=client_ip())
        flash(_("Sign-up policy saved."), "success")
        return redirect(url_for("invitations.index"))
    return _page(policy_form=form)
