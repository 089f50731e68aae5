"""A merchant's Stripe webhook endpoint: the secret token in its URL and Stripe's signing secret.

The signing secret is kept as Stripe shows it (verifying a signature needs the secret itself) and
is only ever shown masked. Neither value is written to the log or the audit trail.
"""
import re
import secrets

from sqlalchemy import select

from app.extensions import db
from app.models.users import MerchantProfile
from app.services.audit import trail
from app.services.common.errors import ServiceError

SECRET_PREFIX = "whsec_"
_SECRET = re.compile(r"^whsec_[A-Za-z0-9_\-+/=]{8,240}$")


class NotAMerchant(ServiceError):
    """Only a merchant account has a Stripe webhook endpoint."""


class InvalidSigningSecret(ServiceError):
    """This is not a Stripe signing secret."""

    field = "secret"


def profile_of(merchant_id: int) -> MerchantProfile:
    profile = db.session.scalar(select(MerchantProfile).where(MerchantProfile.user_id == merchant_id))
    if profile is None:
        raise NotAMerchant()
    return profile


def new_webhook_token(merchant_id: int, actor_id: int | None, ip: str | None = None) -> str:
    """Give the merchant's endpoint a new address; any earlier address stops working at once."""
    profile = profile_of(merchant_id)
    replaced = profile.webhook_token is not None
    profile.webhook_token = secrets.token_urlsafe(32)
    trail.record("merchant.stripe_webhook_url_replaced" if replaced else "merchant.stripe_webhook_url_created",
                 actor_id=actor_id, ip=ip, object_type="users", object_id=merchant_id)
    db.session.commit()
    return profile.webhook_token


def set_signing_secret(merchant_id: int, secret: str, actor_id: int | None, ip: str | None = None) -> None:
    """Store the signing secret (`whsec_…`) Stripe shows for the merchant's endpoint."""
    secret = (secret or "").strip()
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidSigningSecret("A signing secret starts with whsec_.")
    if not _SECRET.match(secret):
        raise InvalidSigningSecret("Paste the whole signing secret, exactly as Stripe shows it.")
    profile = profile_of(merchant_id)
    replaced = profile.stripe_webhook_secret is not None
    profile.stripe_webhook_secret = secret
    trail.record("merchant.stripe_secret_replaced" if replaced else "merchant.stripe_secret_set",
                 actor_id=actor_id, ip=ip, object_type="users", object_id=merchant_id,
                 after={"secret": masked(secret)})
    db.session.commit()


def masked(secret: str | None) -> str | None:
    """Enough of the secret to recognise it, never enough to use it."""
    if not secret:
        return None
    return f"{SECRET_PREFIX}…{secret[-4:]}"
