"""What a merchant's integration page shows: their campaigns' ids and postback tokens, their webhook."""
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models.campaigns import Campaign
from app.models.users import User
from app.services.campaigns import lists
from app.services.conversions.stripe_endpoint import NotAMerchant, masked


@dataclass(frozen=True)
class Integration:
    merchant: User
    campaigns: list[Campaign]
    webhook_token: str | None
    masked_secret: str | None


def for_merchant(merchant_id: int) -> Integration:
    """The merchant's own values only; raises NotAMerchant for any other account."""
    merchant = db.session.get(User, merchant_id)
    if merchant is None or merchant.role != "merchant" or merchant.merchant_profile is None:
        raise NotAMerchant()
    campaigns = list(db.session.scalars(
        select(Campaign).where(Campaign.merchant_id == merchant_id).order_by(Campaign.id)))
    profile = merchant.merchant_profile
    return Integration(merchant, campaigns, profile.webhook_token, masked(profile.stripe_webhook_secret))


def merchant_choices() -> list[tuple[int, str]]:
    """Merchants an admin can look at, by name."""
    return lists.merchant_choices()
