"""Invitations: admins invite merchants and affiliates, merchants invite affiliates, optionally straight
into one of their campaigns. The link works once, until INVITATION_MAX_DAYS have passed or it is revoked;
only the SHA-256 of its token is stored. The invitation is sent in the inviter's language.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from loguru import logger
from sqlalchemy import func, select, update
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.models.campaigns import Campaign
from app.models.common import utcnow
from app.models.invitations import Invitation
from app.models.users import User
from app.services.accounts import accounts
from app.services.accounts.accounts import EmailTaken
from app.services.audit import trail
from app.services.campaigns import mail as campaign_mail
from app.services.campaigns import memberships
from app.services.common.errors import ServiceError
from app.services.common.lists import Page, paginate
from app.services.common.mail import absolute_url, in_language_of, send_email
from app.services.common.sorting import Sort, Sorts

PER_PAGE = 50


class InvalidInvitation(ServiceError):
    """This invitation link is invalid, expired, revoked or already used."""


class CannotInvite(ServiceError):
    """You cannot invite to that role."""
    field = "role"


class NotYourCampaign(ServiceError):
    """Pick one of your own campaigns."""
    field = "campaign_id"


def _hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def _check(inviter: User, role: str, campaign_id: int | None) -> None:
    allowed = {"admin": ("merchant", "affiliate"), "merchant": ("affiliate",)}.get(inviter.role, ())
    if role not in allowed:
        raise CannotInvite(f"A {inviter.role} cannot invite a {role}.")
    if campaign_id is None:
        return
    campaign = db.session.get(Campaign, campaign_id)
    if role != "affiliate" or campaign is None or (inviter.role != "admin" and campaign.merchant_id != inviter.id):
        raise NotYourCampaign()


def invite(inviter: User, email: str, role: str, campaign_id: int | None = None,
           ip: str | None = None) -> Invitation:
    """Send a sign-up link to `email`; an earlier pending one from the same inviter stops working."""
    email = accounts.normalize_email(email)
    _check(inviter, role, campaign_id)
    if accounts.find_by_email(email):
        raise EmailTaken()
    now = utcnow()
    db.session.execute(update(Invitation).where(
        Invitation.invited_by_id == inviter.id, Invitation.email == email, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None)).values(revoked_at=now).execution_options(synchronize_session=False))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(email=email, role=role, token_hash=_hash(token), invited_by_id=inviter.id,
                            campaign_id=campaign_id, created_at=now,
                            expires_at=now + timedelta(days=current_app.config["INVITATION_MAX_DAYS"]))
    db.session.add(invitation)
    db.session.flush()
    trail.record("invitation.sent", invitation, actor_id=inviter.id, ip=ip,
                 after={"email": email, "role": role, "campaign_id": campaign_id})
    db.session.commit()
    logger.info("invitation sent id={} role={} by={}", invitation.id, role, inviter.id)
    _send(invitation, token, inviter)
    return invitation


def _send(invitation: Invitation, token: str, inviter: User) -> None:
    with in_language_of(inviter):
        if invitation.role == "merchant":
            role = _("as a merchant, to run your own affiliate campaigns")
        elif invitation.campaign is not None:
            role = _("as an affiliate of %(campaign)s (already approved)", campaign=invitation.campaign.name)
        else:
            role = _("as an affiliate, to earn commission by promoting products")
        subject = _("%(name)s invites you to the affiliate program", name=inviter.display_name)
        body = _("%(name)s invites you to join the affiliate program %(role)s. Create your account with this link "
                 "within %(days)d days:\n\n%(link)s\n\nIf you did not expect this, ignore this message.",
                 name=inviter.display_name, role=role, days=current_app.config["INVITATION_MAX_DAYS"],
                 link=absolute_url("auth.join", token=token))
    try:
        send_email(invitation.email, subject, body)
    except Exception:
        logger.exception("could not queue invitation email id={}", invitation.id)


def pending(token: str, *, lock: bool = False) -> Invitation:
    """The invitation a link is for, while it can still be used; otherwise InvalidInvitation."""
    query = select(Invitation).where(Invitation.token_hash == _hash(token))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    invitation = db.session.scalar(query)
    if invitation is None or invitation.state(utcnow()) != "pending":
        raise InvalidInvitation()
    return invitation


def accept(token: str, *, password: str, name: str, company_name: str | None = None, website: str | None = None,
           locale: str | None = None, ip: str | None = None) -> User:
    """Create the invited account (email and role from the invitation) and use the invitation up; commits."""
    try:
        invitation = pending(token, lock=True)
        user = accounts.create_user(invitation.email, password, invitation.role, name, company_name=company_name,
                                    website=website, locale=locale, commit=False, ip=ip)
        invitation.accepted_at, invitation.accepted_user_id = utcnow(), user.id
        trail.record("invitation.accepted", invitation, actor_id=user.id, ip=ip)
        membership = None
        if invitation.campaign_id is not None and user.role == "affiliate":
            membership = memberships.admit_invited(invitation.campaign_id, user.id, invitation.invited_by_id, ip=ip)
    except ServiceError:
        db.session.rollback()
        raise
    db.session.commit()
    logger.info("invitation accepted id={} user={}", invitation.id, user.id)
    if membership is not None:
        campaign_mail.joined(membership)
    return user


def revoke(invitation: Invitation, actor: User, ip: str | None = None) -> None:
    invitation = db.session.scalar(select(Invitation).where(Invitation.id == invitation.id).with_for_update()
                                   .execution_options(populate_existing=True))
    if invitation.state(utcnow()) != "pending":
        db.session.rollback()
        raise InvalidInvitation("Only a pending invitation can be revoked.")
    invitation.revoked_at = utcnow()
    trail.record("invitation.revoked", invitation, actor_id=actor.id, ip=ip, after={"email": invitation.email})
    db.session.commit()
    logger.info("invitation revoked id={} by={}", invitation.id, actor.id)


# Invitations without a campaign (merchants') sort last either way.
INVITATION_SORTS = Sorts({"sent": (Invitation.created_at,), "email": (Invitation.email,), "role": (Invitation.role,),
                          "campaign": (Campaign.name.is_(None).asc(), func.lower(Campaign.name))},
                         default="sent", tie=Invitation.id)


def listed_for(user: User, sort: Sort = Sort("sent"), page: int = 1) -> Page:
    """One page of the invitations the user may see (an admin all of them), newest first unless `sort` says
    otherwise."""
    query = select(Invitation).outerjoin(Campaign, Campaign.id == Invitation.campaign_id)
    if user.role != "admin":
        query = query.where(Invitation.owned_by(user))
    return paginate(query.order_by(*INVITATION_SORTS.order_by(sort)), page, PER_PAGE,
                    options=(contains_eager(Invitation.campaign),))
