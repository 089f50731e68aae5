"""Changing a sign-in email: the new address proves it is reachable by opening a link sent to it.

The link is signed and carries the old address too, so it stops working once the email has changed
(by this link or another) and after EMAIL_CHANGE_MAX_AGE. The old address is told of the change.
"""
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from loguru import logger
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.users import User
from app.services.accounts import accounts
from app.services.accounts.accounts import EmailTaken, InvalidCredentials
from app.services.audit import trail
from app.services.common.errors import ServiceError
from app.services.common.mail import absolute_url, in_language_of, send_email


class SameEmail(ServiceError):
    """That is already your email."""
    field = "email"


class InvalidEmailLink(ServiceError):
    """The confirmation link is invalid, expired or already used."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-change")


def make_token(user: User, new_email: str) -> str:
    return _serializer().dumps({"id": user.id, "old": user.email, "new": new_email})


def request_change(user: User, new_email: str, password: str, ip: str | None = None) -> None:
    """Email a confirmation link to `new_email`; nothing changes until it is opened."""
    if not accounts.verify_password(user, password):
        raise InvalidCredentials("Current password is wrong.", field="password")
    new_email = accounts.normalize_email(new_email)
    if new_email == user.email:
        raise SameEmail()
    if accounts.find_by_email(new_email):
        raise EmailTaken()
    token = make_token(user, new_email)
    trail.record("user.email_change_requested", user, actor_id=user.id, ip=ip, after={"email": new_email})
    db.session.commit()
    hours = max(1, current_app.config["EMAIL_CHANGE_MAX_AGE"] // 3600)
    with in_language_of(user):
        send_email(new_email, _("Confirm your new email address"), _(
            "You asked to sign in to your affiliate account with this address from now on. To confirm, open "
            "this link within %(hours)d hours:\n\n%(link)s\n\nUntil then your account keeps its current "
            "address. If it was not you, ignore this message.",
            hours=hours, link=absolute_url("settings.confirm_email", token=token)))
    logger.info("email change requested user={}", user.id)


def pending(token: str) -> tuple[User, str]:
    """(the account, its new address) a confirmation link is for; InvalidEmailLink when it is no longer good."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["EMAIL_CHANGE_MAX_AGE"])
    except (SignatureExpired, BadSignature) as exc:
        raise InvalidEmailLink() from exc
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or user.is_disabled or user.email != data.get("old"):
        raise InvalidEmailLink()
    return user, data["new"]


def confirm(token: str, ip: str | None = None) -> User:
    """Make the address in the link the account's email; commit and tell the old address."""
    user, new_email = pending(token)
    if accounts.find_by_email(new_email):
        raise EmailTaken()
    old_email = user.email
    user.email = new_email
    trail.record("user.email_changed", user, actor_id=user.id, ip=ip, before={"email": old_email},
                 after={"email": new_email})
    try:
        db.session.commit()
    except IntegrityError as exc:  # someone took the address a moment ago
        db.session.rollback()
        raise EmailTaken() from exc
    with in_language_of(user):
        send_email(old_email, _("Your sign-in email was changed"), _(
            "Your affiliate account now signs in with %(email)s instead of this address. If you did not "
            "make this change, reset your password at once and tell the program's team:\n\n%(link)s",
            email=new_email, link=absolute_url("auth.forgot_password")))
    logger.info("email changed user={}", user.id)
    return user
