"""Conversions, balances, payouts, figures and the audit log as the API shows them."""
from datetime import date, datetime

import strawberry
from strawberry.scalars import JSON

from app.blueprints.graphql.campaign_types import CampaignNode
from app.blueprints.graphql.common_types import MinorUnits, Person
from app.services.audit.queries import mask_secrets
from app.services.payouts.details import destination, mask


@strawberry.type(name="Conversion")
class ConversionNode:
    id: int
    order_id: str
    amount: MinorUnits
    currency: str
    commission: MinorUnits
    refunded_amount: MinorUnits
    commission_reversed: MinorUnits
    status: str = strawberry.field(description="pending, approved, rejected or reversed")
    source: str = strawberry.field(description="pixel, api, postback, stripe or manual")
    reject_reason: str | None
    created_at: datetime
    payable_at: datetime
    decided_at: datetime | None

    @strawberry.field(description="Fraud signals, as reviewers see them (null for affiliates, like their pages).")
    def fraud_flags(self, info: strawberry.Info) -> list[str] | None:
        return None if info.context.user.role == "affiliate" else list(self.fraud_flags or [])

    @strawberry.field
    def campaign(self) -> CampaignNode:
        return self.campaign

    @strawberry.field
    def affiliate(self) -> Person:
        return self.affiliate


@strawberry.type(description="An affiliate's money in one currency.")
class Balance:
    currency: str
    unapproved: MinorUnits = strawberry.field(description="Commission of conversions still waiting for a decision.")
    held: MinorUnits = strawberry.field(description="Approved commission still in the hold period.")
    available: MinorUnits = strawberry.field(description="What can be requested now.")
    in_payment: MinorUnits = strawberry.field(description="Requested and not yet paid.")
    paid: MinorUnits


@strawberry.type(name="PayoutRequest")
class PayoutRequestNode:
    id: int
    amount: MinorUnits
    currency: str
    status: str = strawberry.field(description="requested, approved, processing, paid, failed, rejected, cancelled "
                                               "or reversed")
    method: str | None
    requested_at: datetime
    decided_at: datetime | None
    reject_reason: str | None
    paid_at: datetime | None
    paid_on: date | None
    paid_method: str | None
    transaction_id: str | None
    payment_notes: str | None
    failed_reason: str | None

    @strawberry.field(description="Whether a proof of payment is on file.")
    def has_proof(self) -> bool:
        return self.proof_path is not None

    @strawberry.field(description="Where the money goes, account number masked.")
    def destination(self) -> str:
        return destination(self.details)

    @strawberry.field
    def affiliate(self) -> Person:
        return self.affiliate


@strawberry.type(description="How the affiliate is paid; account numbers and phones are masked.")
class PayoutDetails:
    method: str | None
    bank_code: str | None
    bank_name: str | None
    bank_account: str | None
    account_holder: str | None
    momo_phone: str | None
    paypal_email: str | None


def payout_details(profile) -> PayoutDetails:
    if profile is None:
        return PayoutDetails(method=None, bank_code=None, bank_name=None, bank_account=None, account_holder=None,
                             momo_phone=None, paypal_email=None)
    return PayoutDetails(method=profile.payout_method, bank_code=profile.bank_code, bank_name=profile.bank_name,
                         bank_account=mask(profile.bank_account) or None, account_holder=profile.account_holder,
                         momo_phone=mask(profile.momo_phone) or None, paypal_email=profile.paypal_email)


@strawberry.type(description="The dashboard figures for the caller's scope, in one currency, over a date range.")
class Stats:
    currency: str
    start: date
    end: date
    clicks: int
    unique_clicks: int
    conversions: int
    pending: int
    approved: int
    rejected: int
    reversed: int
    revenue: MinorUnits
    commission: MinorUnits
    commission_approved: MinorUnits
    commission_reversed: MinorUnits
    paid: MinorUnits
    commission_paid: MinorUnits


@strawberry.type(name="AuditEvent")
class AuditEventNode:
    id: int
    action: str
    object_type: str
    object_id: str | None
    ip: str | None
    created_at: datetime

    @strawberry.field
    def actor(self) -> Person | None:
        return self.actor

    @strawberry.field(description="The values before the change (secrets masked).")
    def before(self) -> JSON | None:
        return mask_secrets(self.before)

    @strawberry.field(description="The values after the change (secrets masked).")
    def after(self) -> JSON | None:
        return mask_secrets(self.after)
