"""Personal API keys of every role: shown once, stored only as a SHA-256 hash, scoped read or read+write.

A key carries 256 random bits, so a plain SHA-256 is enough: nobody can guess or brute-force a
preimage, and unlike a password hash (argon2) it lets the database find the key by an indexed
equality lookup in microseconds on every API call. Comparing inside the database leaks no useful
timing either: an attacker cannot steer the hash of what they send toward a stored one.
"""
import hashlib
import secrets
from datetime import timedelta

from loguru import logger
from sqlalchemy import func, select, update

from app.extensions import db
from app.models.api_keys import SCOPES, ApiKey
from app.models.common import utcnow
from app.models.users import User
from app.services.audit import trail
from app.services.common.errors import ServiceError
from app.services.common.sorting import Sort, Sorts

KEY_PREFIX = "ak_live_"
VISIBLE_CHARS = 12
LABEL_MAX = 80
MAX_KEY_LENGTH = 200
# Remembering every use would be one write per API call; once a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class InvalidLabel(ServiceError):
    """Give the key a name of 1 to 80 characters."""

    field = "label"


class KeyNotFound(ServiceError):
    """No such API key."""


class InvalidScopes(ServiceError):
    """Choose what the key may do: read, or read and write."""

    field = "scopes"


def clean_scopes(scopes) -> str:
    """The scopes as stored ("read" or "read write"); write always brings read with it."""
    wanted = {str(scope).strip().lower() for scope in (scopes or ())}
    if not wanted or not wanted <= set(SCOPES):
        raise InvalidScopes()
    if "write" in wanted:
        wanted.add("read")
    return " ".join(scope for scope in SCOPES if scope in wanted)


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def create_key(user_id: int, label: str, scopes=SCOPES, actor_id: int | None = None, ip: str | None = None
               ) -> tuple[ApiKey, str]:
    """Make a key for the user; returns (the stored key, the full key to show once)."""
    label = (label or "").strip()
    if not 1 <= len(label) <= LABEL_MAX:
        raise InvalidLabel()
    stored_scopes = clean_scopes(scopes)
    owner = db.session.get(User, user_id)
    if owner is None or owner.is_disabled:
        raise ServiceError("A disabled account cannot make API keys.")
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(user_id=user_id, label=label, prefix=raw_key[:VISIBLE_CHARS], key_hash=hash_key(raw_key),
                 scopes=stored_scopes, created_at=utcnow())
    db.session.add(key)
    db.session.flush()
    trail.record("api_key.created", key, actor_id=actor_id if actor_id is not None else user_id, ip=ip,
                 after={"label": label, "prefix": key.prefix, "scopes": stored_scopes})
    db.session.commit()
    logger.info("api key {} created for user {} prefix={} scopes={}", key.id, user_id, key.prefix, stored_scopes)
    return key, raw_key


def authenticate(raw_key: str | None) -> ApiKey | None:
    """The live key matching `raw_key`, or None (unknown, revoked, or its owner disabled)."""
    if not raw_key or len(raw_key) > MAX_KEY_LENGTH or not raw_key.startswith(KEY_PREFIX):
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(raw_key)))
    if key is None or key.is_revoked:
        return None
    owner = db.session.get(User, key.user_id)
    if owner is None or owner.is_disabled:
        return None
    _touch(key)
    return key


def _touch(key: ApiKey) -> None:
    now = utcnow()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    # Conditional, so a burst of concurrent calls writes the time once.
    db.session.execute(
        update(ApiKey).where(ApiKey.id == key.id,
                             (ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < now - LAST_USED_RESOLUTION))
        .values(last_used_at=now).execution_options(synchronize_session=False)
    )
    db.session.commit()


# Live keys first, newest first, unless asked otherwise; keys never used come last either way.
KEY_SORTS = Sorts({"live": (ApiKey.revoked_at.is_not(None).asc(), ApiKey.created_at),
                   "name": (func.lower(ApiKey.label),), "created": (ApiKey.created_at,),
                   "last_used": (ApiKey.last_used_at.is_(None).asc(), ApiKey.last_used_at),
                   "status": (ApiKey.revoked_at.is_not(None),)},
                  default="live", tie=ApiKey.id)


def list_keys(user_id: int, sort: Sort = Sort("live")) -> list[ApiKey]:
    """The user's keys, live ones first, newest first unless `sort` says otherwise."""
    return list(db.session.scalars(
        select(ApiKey).where(ApiKey.user_id == user_id).order_by(*KEY_SORTS.order_by(sort))))


def revoke(key_id: int, user_id: int, actor_id: int | None = None, ip: str | None = None) -> ApiKey:
    """Revoke one of the user's keys; requests using it fail from now on. Revoking twice is harmless."""
    key = db.session.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == user_id))
    if key is None:
        raise KeyNotFound()
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        trail.record("api_key.revoked", key, actor_id=actor_id if actor_id is not None else user_id, ip=ip,
                     before={"revoked": False}, after={"revoked": True, "prefix": key.prefix})
        db.session.commit()
        logger.info("api key {} of user {} revoked", key.id, user_id)
    return key
