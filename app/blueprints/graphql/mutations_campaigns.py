"""Campaign, membership and link mutations: each checks role and scope, then calls one service."""
from datetime import date
from decimal import Decimal
from enum import Enum

import strawberry

from app.blueprints.graphql.campaign_types import CampaignNode, LinkNode, MembershipNode
from app.blueprints.graphql.common_types import MinorUnits
from app.services.api import visibility
from app.services.campaigns import campaigns, links, memberships


@strawberry.enum
class Decision(Enum):
    APPROVE = "approve"
    REJECT = "reject"


@strawberry.enum
class CampaignStatus(Enum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


@strawberry.input(description="A campaign's fields. Creating needs the terms; updating changes only the fields sent.")
class CampaignInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    landing_url: str | None = strawberry.UNSET
    allowed_hosts: list[str] | None = strawberry.UNSET
    pays_for: str | None = strawberry.field(default=strawberry.UNSET, description="sale or lead")
    commission_type: str | None = strawberry.field(default=strawberry.UNSET, description="percent or fixed")
    commission_rate: Decimal | None = strawberry.UNSET
    commission_fixed: MinorUnits | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    attribution_days: int | None = strawberry.UNSET
    join_mode: str | None = strawberry.field(default=strawberry.UNSET, description="open or review")
    max_affiliates: int | None = strawberry.UNSET
    starts_on: date | None = strawberry.UNSET
    ends_on: date | None = strawberry.UNSET
    hold_days: int | None = strawberry.UNSET
    terms: str | None = strawberry.UNSET
    auto_approve: bool | None = strawberry.UNSET

    def values(self) -> dict:
        """The fields sent, named as the campaign service names them."""
        sent = {name: value for name, value in vars(self).items() if value is not strawberry.UNSET}
        if "allowed_hosts" in sent:
            sent["allowed_hosts"] = "\n".join(sent["allowed_hosts"] or [])
        return sent


@strawberry.type(description="How many applications changed; the others were decided already or had no room.")
class DecidedApplications:
    decided: int


@strawberry.type
class CampaignMutations:
    @strawberry.mutation(description="A new campaign (an admin names the merchant it belongs to).")
    def create_campaign(self, info: strawberry.Info, input: CampaignInput,
                        merchant_id: int | None = None) -> CampaignNode:
        caller = info.context
        user = caller.require("merchant", "admin", write=True)
        owner_id = visibility.owner_of_new_campaign(user, merchant_id)
        return campaigns.create_campaign(owner_id, input.values(), actor_id=user.id, ip=caller.ip)

    @strawberry.mutation(description="Change a campaign. Recorded conversions keep their commission.")
    def update_campaign(self, info: strawberry.Info, id: int, input: CampaignInput) -> CampaignNode:
        caller = info.context
        user = caller.require("merchant", "admin", write=True)
        campaign = visibility.campaign(user, id, caller.today)
        return campaigns.update_campaign(campaign.id, input.values(), actor_id=user.id, ip=caller.ip)

    @strawberry.mutation(description="Pause, resume or end a campaign.")
    def set_campaign_status(self, info: strawberry.Info, id: int, status: CampaignStatus) -> CampaignNode:
        caller = info.context
        user = caller.require("merchant", "admin", write=True)
        campaign = visibility.campaign(user, id, caller.today)
        return campaigns.set_status(campaign.id, status.value, actor_id=user.id, ip=caller.ip)

    @strawberry.mutation(description="Join an open campaign, or apply to one that reviews affiliates.")
    def join_campaign(self, info: strawberry.Info, campaign_id: int) -> MembershipNode:
        caller = info.context
        user = caller.require("affiliate", write=True)
        return memberships.join(campaign_id, user.id, ip=caller.ip)

    @strawberry.mutation(description="Leave a campaign or withdraw an application.")
    def leave_campaign(self, info: strawberry.Info, campaign_id: int) -> MembershipNode:
        caller = info.context
        user = caller.require("affiliate", write=True)
        return memberships.leave(campaign_id, user.id, ip=caller.ip)

    @strawberry.mutation(description="Approve or reject one pending application.")
    def decide_application(self, info: strawberry.Info, id: int, decision: Decision,
                           note: str | None = None) -> MembershipNode:
        caller = info.context
        user = caller.require("merchant", "admin", write=True)
        return memberships.decide(id, decision is Decision.APPROVE, user.id, note=note, ip=caller.ip)

    @strawberry.mutation(description="Approve or reject many pending applications at once.")
    def decide_applications(self, info: strawberry.Info, ids: list[int], decision: Decision,
                            note: str | None = None) -> DecidedApplications:
        caller = info.context
        user = caller.require("merchant", "admin", write=True)
        decided = memberships.decide_many(visibility.bounded_ids(ids), decision is Decision.APPROVE, user,
                                          note=note, ip=caller.ip)
        return DecidedApplications(decided=decided)

    @strawberry.mutation(description="A tracking link for a campaign the affiliate is approved in.")
    def create_link(self, info: strawberry.Info, campaign_id: int, destination_url: str | None = None,
                    label: str | None = None, sub_id: str | None = None) -> LinkNode:
        user = info.context.require("affiliate", write=True)
        return links.create_link(user.id, campaign_id, destination_url=destination_url, label=label, sub_id=sub_id)

    @strawberry.mutation(description="Hide a link from the active list; it keeps redirecting visitors.")
    def archive_link(self, info: strawberry.Info, id: int) -> LinkNode:
        user = info.context.require("affiliate", write=True)
        return links.archive_link(visibility.link(user, id))

    @strawberry.mutation(description="Bring an archived link back to the active list.")
    def restore_link(self, info: strawberry.Info, id: int) -> LinkNode:
        user = info.context.require("affiliate", write=True)
        return links.restore_link(visibility.link(user, id))
