"""All models, importable from one place (and seen by Alembic)."""
from app.models.api_keys import ApiKey
from app.models.audit import AuditEvent, ProcessedEvent
from app.models.campaigns import Campaign, Membership
from app.models.common import utcnow
from app.models.conversions import Conversion, Refund
from app.models.money import LedgerEntry, PayoutRequest
from app.models.tracking import Click, Link
from app.models.users import AffiliateProfile, MerchantProfile, SignInFailure, User

__all__ = [
    "AffiliateProfile", "ApiKey", "AuditEvent", "Campaign", "Click", "Conversion", "LedgerEntry",
    "Link", "MerchantProfile", "Membership", "PayoutRequest", "ProcessedEvent", "Refund",
    "SignInFailure", "User", "utcnow",
]
