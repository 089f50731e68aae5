"""Invitations: who may invite whom, one-time links that expire or are revoked, pre-approval into a campaign."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.campaigns import Membership
from app.models.invitations import Invitation
from app.models.tracking import Link
from app.services.accounts import invitations, sign_up_policy
from app.services.accounts.accounts import EmailTaken, authenticate
from tests.factories import PASSWORD, make_campaign, make_membership, make_user


def token_from(outbox) -> str:
    return re.search(r"/auth/join/(\S+)", outbox[-1]["body"]).group(1)


def accept(token, **values):
    return invitations.accept(token, password=PASSWORD, name=values.pop("name", "Lan"), **values)


def test_a_merchant_invites_an_affiliate_straight_into_a_campaign(app, outbox):
    merchant = make_user("merchant", locale="en")
    campaign = make_campaign(merchant, name="Tết", join_mode="review")
    invitation = invitations.invite(merchant, " Lan@Example.com ", "affiliate", campaign.id)
    assert (invitation.email, invitation.role, invitation.campaign_id) == ("lan@example.com", "affiliate", campaign.id)
    [message] = outbox
    assert message["to"] == "lan@example.com" and "Tết" in message["body"]
    token = token_from(outbox)
    assert invitation.token_hash != token and token not in str(db.session.scalars(select(Invitation.token_hash)).all())

    user = accept(token)
    assert (user.email, user.role) == ("lan@example.com", "affiliate")
    membership = db.session.scalar(select(Membership).where(Membership.affiliate_id == user.id))
    assert membership.status == "approved" and membership.decided_by_id == merchant.id
    assert db.session.scalar(select(Link).where(Link.affiliate_id == user.id)) is not None
    assert invitation.accepted_user_id == user.id
    assert authenticate("lan@example.com", PASSWORD, "127.0.0.1") == user
    with pytest.raises(invitations.InvalidInvitation):  # works once
        accept(token, name="Someone else")


def test_a_full_campaign_still_lets_the_invited_affiliate_sign_up(app, outbox):
    merchant = make_user("merchant")
    campaign = make_campaign(merchant, max_affiliates=1)
    make_membership(campaign)
    invitations.invite(merchant, "lan@example.com", "affiliate", campaign.id)
    user = accept(token_from(outbox))
    assert db.session.scalar(select(Membership).where(Membership.affiliate_id == user.id)) is None


def test_an_admin_invites_a_merchant(app, outbox):
    admin = make_user("admin")
    invitations.invite(admin, "shop@example.com", "merchant")
    user = accept(token_from(outbox), company_name="Shop Lan", website="https://shop.example")
    assert user.role == "merchant" and user.merchant_profile.company_name == "Shop Lan"


@pytest.mark.parametrize(("inviter_role", "role", "error"), [
    ("merchant", "merchant", invitations.CannotInvite),
    ("merchant", "admin", invitations.CannotInvite),
    ("admin", "admin", invitations.CannotInvite),
    ("affiliate", "affiliate", invitations.CannotInvite),
])
def test_who_may_invite_whom(app, outbox, inviter_role, role, error):
    with pytest.raises(error):
        invitations.invite(make_user(inviter_role), "x@example.com", role)
    assert outbox == [] and db.session.scalar(select(Invitation)) is None


def test_a_merchant_cannot_invite_into_someone_elses_campaign(app, outbox):
    with pytest.raises(invitations.NotYourCampaign):
        invitations.invite(make_user("merchant"), "x@example.com", "affiliate", make_campaign().id)
    with pytest.raises(invitations.NotYourCampaign):  # nor a merchant into a campaign
        invitations.invite(make_user("admin"), "x@example.com", "merchant", make_campaign().id)


def test_an_existing_account_is_not_invited(app):
    make_user(email="lan@example.com")
    with pytest.raises(EmailTaken):
        invitations.invite(make_user("admin"), "LAN@example.com", "merchant")


def test_an_expired_invitation_no_longer_works(app, outbox):
    invitation = invitations.invite(make_user("admin"), "lan@example.com", "affiliate")
    invitation.expires_at -= timedelta(days=30)
    db.session.commit()
    with pytest.raises(invitations.InvalidInvitation):
        accept(token_from(outbox))


def test_a_revoked_invitation_no_longer_works_and_is_revoked_once(app, outbox):
    admin = make_user("admin")
    invitation = invitations.invite(admin, "lan@example.com", "affiliate")
    invitations.revoke(invitation, admin)
    with pytest.raises(invitations.InvalidInvitation):
        accept(token_from(outbox))
    with pytest.raises(invitations.InvalidInvitation):
        invitations.revoke(invitation, admin)


def test_inviting_again_replaces_the_earlier_link(app, outbox):
    merchant = make_user("merchant")
    first = invitations.invite(merchant, "lan@example.com", "affiliate")
    first_token = token_from(outbox)
    invitations.invite(merchant, "lan@example.com", "affiliate")
    db.session.refresh(first)
    assert first.revoked_at is not None
    with pytest.raises(invitations.InvalidInvitation):
        accept(first_token)
    assert accept(token_from(outbox)).email == "lan@example.com"


def test_an_invitation_works_whatever_the_sign_up_policy(app, outbox):
    sign_up_policy.set_policy("invitation", None)
    invitations.invite(make_user("admin"), "shop@example.com", "merchant")
    assert accept(token_from(outbox), company_name="Shop", website="https://shop.example").role == "merchant"
