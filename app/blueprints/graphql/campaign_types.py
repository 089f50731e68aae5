"""Campaigns, memberships, links and clicks as the API shows them (resolved from the model rows)."""
from datetime import date, datetime
from decimal import Decimal

import strawberry

from app.blueprints.graphql.common_types import MinorUnits, Person
from app.services.campaigns.links import tracking_url


@strawberry.type(name="Campaign")
class CampaignNode:
    id: int
    name: str
    description: str
    landing_url: str
    pays_for: str
    commission_type: str = strawberry.field(description="percent or fixed")
    commission_rate: Decimal | None = strawberry.field(description="Percent of the order, for percent campaigns.")
    commission_fixed: MinorUnits | None = strawberry.field(description="Per conversion, for fixed campaigns.")
    currency: str
    attribution_days: int
    join_mode: str = strawberry.field(description="open or review")
    max_affiliates: int | None
    starts_on: date | None
    ends_on: date | None
    hold_days: int
    terms: str
    status: str = strawberry.field(description="active, paused or ended")
    auto_approve: bool
    created_at: datetime

    @strawberry.field
    def allowed_hosts(self) -> list[str]:
        return [host for host in self.allowed_hosts.split("\n") if host]

    @strawberry.field
    def merchant(self) -> Person:
        return self.merchant


@strawberry.type(name="Membership", description="An affiliate's application to, or place in, a campaign.")
class MembershipNode:
    id: int
    status: str = strawberry.field(description="pending, approved, rejected or removed")
    note: str | None
    created_at: datetime
    decided_at: datetime | None

    @strawberry.field
    def campaign(self) -> CampaignNode:
        return self.campaign

    @strawberry.field
    def affiliate(self) -> Person:
        return self.affiliate


@strawberry.type(name="Link", description="An affiliate's tracking link.")
class LinkNode:
    id: int
    code: str
    destination_url: str | None
    label: str | None
    sub_id: str | None
    created_at: datetime
    archived_at: datetime | None

    @strawberry.field(description="The address to share.")
    def url(self) -> str:
        return tracking_url(self)

    @strawberry.field
    def campaign(self) -> CampaignNode:
        return self.campaign


@strawberry.type(name="Click")
class ClickNode:
    id: int
    public_id: str = strawberry.field(description="The aff_click_id a shop reports with an order.")
    link_id: int
    campaign_id: int
    affiliate_id: int
    created_at: datetime
    referrer: str | None
    sub1: str | None
    sub2: str | None
    sub3: str | None
    sub4: str | None
    sub5: str | None
    is_unique: bool
