"""Two-factor sign-in: a code from an authenticator app (TOTP, RFC 6238) or a one-time recovery code.

A TOTP code is accepted for the current 30-second step or one either side (clocks drift), and never
for a step at or before the last one accepted, so a code seen over a shoulder cannot be replayed.
Recovery codes carry 80 random bits, so a plain SHA-256 is enough to keep them; the database marks
each used at most once. The TOTP key itself is stored sealed (see `secret_box`), never in plain text.
The second factor is throttled exactly like the password (see `throttle`):
its failures count with the password's, and only a full sign-in clears this address's failures.
"""
import hashlib
import hmac
import secrets
from base64 import b32encode
from datetime import UTC, datetime

import pyotp
from flask import current_app
from flask_babel import gettext as _
from loguru import logger
from sqlalchemy import delete, func, or_, select, update

from app.extensions import db
from app.models.common import utcnow
from app.models.users import RecoveryCode, User
from app.services.accounts import accounts, secret_box, throttle
from app.services.accounts.accounts import InvalidCredentials
from app.services.audit import trail
from app.services.common.errors import ServiceError
from app.services.common.mail import absolute_url, in_language_of, send_email

RECOVERY_CODES = 10
DRIFT_STEPS = 1


class InvalidCode(ServiceError):
    """That code is not right."""
    field = "code"


class TwoFactorRequired(ServiceError):
    """Admins have to keep two-factor sign-in on."""


class AlreadyOn(ServiceError):
    """Two-factor sign-in is already on."""


def required_for(user: User) -> bool:
    return user.role == "admin" and current_app.config["REQUIRE_2FA_FOR_ADMINS"]


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=current_app.config["TOTP_ISSUER"])


def _digits(code: str) -> str:
    return "".join((code or "").split())


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step `code` belongs to, if it is valid now and later than step `after`."""
    code = _digits(code)
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(UTC))
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normal_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normal_recovery(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with fresh ones (no commit); returns them, shown once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = b32encode(secrets.token_bytes(10)).decode().lower()
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(codes[-1])))
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def enable(user: User, secret: str, code: str, ip: str | None = None) -> list[str]:
    """Turn two-factor sign-in on once `code` proves the app holds `secret`; returns the recovery codes."""
    if user.has_two_factor:
        raise AlreadyOn()
    step = _matching_step(secret, code, None)
    if step is None:
        raise InvalidCode()
    user.totp_secret = secret_box.seal(secret, secret_box.TOTP, user.id)
    user.totp_enabled_at, user.totp_last_step = utcnow(), step
    codes = _new_recovery_codes(user)
    trail.record("user.two_factor_enabled", user, actor_id=user.id, ip=ip)
    db.session.commit()
    logger.info("two-factor sign-in turned on user={}", user.id)
    return codes


def disable(user: User, password: str, ip: str | None = None) -> None:
    if not accounts.verify_password(user, password):
        raise InvalidCredentials("Current password is wrong.", field="password")
    if required_for(user):
        raise TwoFactorRequired()
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    trail.record("user.two_factor_disabled", user, actor_id=user.id, ip=ip)
    db.session.commit()
    logger.info("two-factor sign-in turned off user={}", user.id)
    with in_language_of(user):
        _notify(user, _("Two-factor sign-in was turned off"), _(
            "Two-factor sign-in of your affiliate account was just turned off: your password alone signs you in "
            "now. If it was not you, reset your password at once and turn it on again:\n\n%(link)s",
            link=absolute_url("auth.forgot_password")))


def reset_by_admin(user: User, admin_id: int, ip: str | None = None) -> None:
    """Turn off the two-factor sign-in of someone who lost both the phone and the recovery codes; commit.

    They sign in with the password alone again (and an admin under REQUIRE_2FA_FOR_ADMINS sets it up anew).
    """
    if not user.has_two_factor:
        return
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    trail.record("user.two_factor_reset", user, actor_id=admin_id, ip=ip)
    db.session.commit()
    logger.info("two-factor sign-in reset user={} by={}", user.id, admin_id)
    with in_language_of(user):
        _notify(user, _("Two-factor sign-in was turned off"), _(
            "An admin of the affiliate program turned off the two-factor sign-in of your account, as asked when "
            "the phone and the recovery codes were lost. Turn it on again in your settings:\n\n%(link)s",
            link=absolute_url("settings.two_factor_page")))


def regenerate_recovery_codes(user: User, password: str, ip: str | None = None) -> list[str]:
    """New recovery codes for an account with two-factor sign-in; the old ones stop working."""
    if not accounts.verify_password(user, password):
        raise InvalidCredentials("Current password is wrong.", field="password")
    codes = _new_recovery_codes(user)
    trail.record("user.recovery_codes_replaced", user, actor_id=user.id, ip=ip)
    db.session.commit()
    logger.info("recovery codes replaced user={}", user.id)
    return codes


def totp_secret_of(user: User) -> str | None:
    """The account's TOTP key in plain text, or None when it has none or no key of this server opens it."""
    if not user.totp_secret:
        return None
    try:
        return secret_box.open_sealed(user.totp_secret, secret_box.TOTP, user.id)
    except secret_box.SecretUnreadable:
        logger.error("the two-factor key of user={} cannot be opened (SECRET_KEY changed?): "
                     "only a recovery code signs them in", user.id)
        return None


def _take_totp(user: User, code: str) -> bool:
    secret = totp_secret_of(user)
    if secret is None:
        return False
    step = _matching_step(secret, code, user.totp_last_step)
    if step is None:
        return False
    # Only one request can move the step forward: a code raced twice signs in once.
    moved = db.session.execute(update(User).where(
        User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount
    return moved == 1


def _take_recovery_code(user: User, code: str) -> bool:
    if len(_normal_recovery(code)) != 16:
        return False
    used = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    return used == 1


def check_second_factor(user: User, code: str, ip: str) -> bool:
    """Finish a sign-in whose password was right: True if `code` is good (committed), else InvalidCode.

    Returns whether a recovery code was used. Raises throttle.TooManyAttempts like the password does.
    """
    now = utcnow()
    throttle.check(user.email, ip, now)
    if _take_totp(user, code):
        recovery = False
    elif _take_recovery_code(user, code):
        recovery = True
        trail.record("user.recovery_code_used", user, actor_id=user.id, ip=ip)
    else:
        db.session.rollback()
        logger.warning("second factor failed user={} ip={}", user.id, ip)
        throttle.record_failure(user.email, ip, now)
        raise InvalidCode()
    accounts.complete_sign_in(user, ip, now)
    if recovery:
        with in_language_of(user):
            _notify(user, _("A recovery code was used to sign in"), _(
                "Someone signed in to your affiliate account with one of its recovery codes, from %(ip)s. "
                "%(left)d codes are left. If it was not you, change your password and make new recovery codes at "
                "once:\n\n%(link)s", ip=ip, left=recovery_codes_left(user),
                link=absolute_url("settings.two_factor_page")))
    return recovery


def _notify(user: User, subject: str, body: str) -> None:
    # The change is committed; a mail queue hiccup is logged, never undoes it.
    try:
        send_email(user.email, subject, body)
    except Exception:
        logger.exception("could not queue a two-factor notice to user {}", user.id)
