"""Accounts: sign-up, sign-in with throttling, passwords and their reset."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from loguru import logger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.common import utcnow
from app.models.users import ROLES, AffiliateProfile, MerchantProfile, User, new_session_token
from app.services.accounts import throttle
from app.services.audit import trail
from app.services.common.errors import ServiceError

PASSWORD_MIN, PASSWORD_MAX = 8, 128


class EmailTaken(ServiceError):
    """An account with this email already exists."""
    field = "email"


class InvalidCredentials(ServiceError):
    """Wrong email or password."""


class WeakPassword(ServiceError):
    """Password length is out of range."""
    field = "password"


class InvalidResetToken(ServiceError):
    """The reset link is invalid, expired or already used."""


def _hasher() -> PasswordHasher:
    c = current_app.config
    return PasswordHasher(time_cost=c["ARGON2_TIME_COST"], memory_cost=c["ARGON2_MEMORY_COST"],
                          parallelism=c["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise WeakPassword(f"Password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters.")
    return _hasher().hash(password)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(email: str, password: str, role: str, name: str, *, company_name: str | None = None,
                website: str | None = None, locale: str | None = None, commit: bool = True,
                actor_id: int | None = None, ip: str | None = None) -> User:
    if role not in ROLES:
        raise ServiceError(f"Unknown role {role!r}.", field="role")
    email = normalize_email(email)
    if find_by_email(email):
        raise EmailTaken()
    user = User(email=email, password_hash=hash_password(password), role=role,
                name=name.strip() or email.split("@")[0], locale=locale)
    if role == "merchant":
        user.merchant_profile = MerchantProfile(company_name=company_name or user.name, website=website or "")
    elif role == "affiliate":
        user.affiliate_profile = AffiliateProfile(website=website)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the same email signed up a moment ago
        db.session.rollback()
        raise EmailTaken() from exc
    # Someone signing up creates their own account; an admin creating one is named instead.
    trail.record("user.created", user, actor_id=actor_id or user.id, ip=ip, after={"email": email, "role": role})
    if commit:
        db.session.commit()
    logger.info("account created id={} role={}", user.id, role)
    return user


def authenticate(email: str, password: str, ip: str) -> User:
    """Check the credentials, unless this address failed too often (TooManyAttempts; see `throttle`).

    For an account with two-factor sign-in the caller asks for the code next (`two_factor`)."""
    email = normalize_email(email)
    now = utcnow()
    try:
        throttle.check(email, ip, now)
    except throttle.TooManyAttempts as exc:
        logger.warning("sign-in throttled email={} ip={} retry_after={}", email, ip, exc.retry_after)
        raise
    user = find_by_email(email)
    if user is None:
        # Spend what a real check costs, so the answer time does not tell which emails have accounts.
        _hasher().hash(password[:PASSWORD_MAX] or "x")
    if user is None or user.is_disabled or not verify_password(user, password):
        logger.warning("sign-in failed email={} ip={}", email, ip)
        throttle.record_failure(email, ip, now)
        raise InvalidCredentials()
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    if user.has_two_factor:
        # Not signed in yet: this address's failures stay counted until the second factor is right too.
        db.session.commit()
        logger.info("password accepted, second factor next user={} ip={}", user.id, ip)
        return user
    complete_sign_in(user, ip, now)
    return user


def complete_sign_in(user: User, ip: str, now) -> None:
    """Record a sign-in whose every factor was right; this address's failures on the account are forgotten."""
    user.last_login_at = now
    user.last_login_ip = ip
    throttle.record_success(user.email, ip)
    db.session.commit()
    logger.info("sign-in user={} role={} ip={}", user.id, user.role, ip)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def sign_out(user: User) -> None:
    """Rotate the session token so every cookie issued before now stops working."""
    user.session_token = new_session_token()
    db.session.commit()
    logger.info("sign-out user={}", user.id)


def sign_out_others(user: User, ip: str | None = None) -> None:
    """End every session of `user`; the caller signs the current one in again with the new token."""
    user.session_token = new_session_token()
    trail.record("user.signed_out_everywhere", user, actor_id=user.id, ip=ip)
    db.session.commit()
    logger.info("other sessions signed out user={}", user.id)


def change_password(user: User, current: str, new: str, ip: str | None = None) -> None:
    if not verify_password(user, current):
        raise InvalidCredentials("Current password is wrong.", field="current_password")
    _set_password(user, new, "user.password_changed", ip)


def _set_password(user: User, new: str, action: str, ip: str | None) -> None:
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
    trail.record(action, user, actor_id=user.id, ip=ip)
    db.session.commit()
    logger.info("{} user={}", action, user.id)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    # The hash's tail ties the token to the current password: once it changes the token is dead.
    return _reset_serializer().dumps({"id": user.id, "pw": user.password_hash[-16:]})


def user_for_reset_token(token: str) -> User:
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature) as exc:
        raise InvalidResetToken() from exc
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or user.is_disabled or user.password_hash[-16:] != data.get("pw"):
        raise InvalidResetToken()
    return user


def reset_password(token: str, new: str, ip: str | None = None) -> User:
    user = user_for_reset_token(token)
    _set_password(user, new, "user.password_reset", ip)
    return user
