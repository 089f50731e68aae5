"""Every query: each one checks the caller's role, then reads through the services' visibility rules."""
import strawberry
from flask import current_app
from sqlalchemy.orm import selectinload

from app.blueprints.graphql.campaign_types import CampaignNode, ClickNode, LinkNode, MembershipNode
from app.blueprints.graphql.common_types import Connection, DateRange, MeNode, connection
from app.blueprints.graphql.money_types import (
    AuditEventNode,
    Balance,
    ConversionNode,
    PayoutDetails,
    PayoutRequestNode,
    Stats,
    payout_details,
)
from app.models.audit import AuditEvent
from app.models.campaigns import Campaign, Membership
from app.models.conversions import Conversion
from app.models.money import PayoutRequest
from app.models.tracking import Click, Link
from app.models.users import User
from app.services.api import figures, keyset, visibility
from app.services.conversions import queries as conversion_queries
from app.services.ledger import balances
from app.services.payouts import details


def _caller(info: strawberry.Info):
    return info.context


def _range(dates: DateRange | None):
    return (dates.start, dates.end) if dates else (None, None)


@strawberry.type
class Query:
    @strawberry.field(description="Who is calling, and what the key may do.")
    def me(self, info: strawberry.Info) -> MeNode:
        caller = _caller(info)
        user = caller.require()
        return MeNode(id=user.id, email=user.email, name=user.name, role=user.role, created_at=user.created_at,
                      locale=user.locale, scopes=list(caller.scopes),
                      authenticated_by="api_key" if caller.key is not None else "session")

    @strawberry.field(description="The merchant's own campaigns; every campaign for an admin.")
    def campaigns(self, info: strawberry.Info, status: str | None = None, first: int | None = None,
                  after: str | None = None) -> Connection[CampaignNode]:
        user = _caller(info).require("merchant", "admin")
        return connection(keyset.page(visibility.campaigns(user, status), Campaign.id, first, after,
                                      (selectinload(Campaign.merchant).selectinload(User.merchant_profile),)))

    @strawberry.field(description="One campaign the caller may see (an affiliate: an open or joined one).")
    def campaign(self, info: strawberry.Info, id: int) -> CampaignNode:
        caller = _caller(info)
        return visibility.campaign(caller.require(), id, caller.today)

    @strawberry.field(description="Campaigns open to affiliates.")
    def campaign_directory(self, info: strawberry.Info, commission_type: str | None = None,
                           first: int | None = None, after: str | None = None) -> Connection[CampaignNode]:
        caller = _caller(info)
        caller.require("affiliate")
        return connection(keyset.page(visibility.directory(caller.today, commission_type), Campaign.id, first, after,
                                      (selectinload(Campaign.merchant).selectinload(User.merchant_profile),)))

    @strawberry.field(description="An affiliate's memberships; the applications a merchant or admin reviews.")
    def memberships(self, info: strawberry.Info, campaign_id: int | None = None, status: str | None = None,
                    first: int | None = None, after: str | None = None) -> Connection[MembershipNode]:
        user = _caller(info).require()
        return connection(keyset.page(visibility.memberships(user, campaign_id, status), Membership.id, first, after,
                                      (selectinload(Membership.campaign), selectinload(Membership.affiliate))))

    @strawberry.field(description="The applications waiting for a decision (merchants and admins).")
    def applications(self, info: strawberry.Info, campaign_id: int | None = None, first: int | None = None,
                     after: str | None = None) -> Connection[MembershipNode]:
        user = _caller(info).require("merchant", "admin")
        return connection(keyset.page(visibility.memberships(user, campaign_id, "pending"), Membership.id, first,
                                      after, (selectinload(Membership.campaign), selectinload(Membership.affiliate))))

    @strawberry.field(description="An affiliate's tracking links (every link for an admin).")
    def links(self, info: strawberry.Info, archived: bool | None = False, campaign_id: int | None = None,
              first: int | None = None, after: str | None = None) -> Connection[LinkNode]:
        user = _caller(info).require("affiliate", "admin")
        return connection(keyset.page(visibility.links(user, archived, campaign_id), Link.id, first, after,
                                      (selectinload(Link.campaign),)))

    @strawberry.field
    def link(self, info: strawberry.Info, id: int) -> LinkNode:
        return visibility.link(_caller(info).require("affiliate", "admin"), id)

    @strawberry.field(description="Clicks on the caller's links or campaigns, newest first.")
    def clicks(self, info: strawberry.Info, campaign_id: int | None = None, link_id: int | None = None,
               dates: DateRange | None = None, first: int | None = None,
               after: str | None = None) -> Connection[ClickNode]:
        caller = _caller(info)
        start, end = _range(dates)
        filters = visibility.ClickFilters(campaign_id=campaign_id, link_id=link_id, date_from=start, date_to=end)
        return connection(keyset.page(visibility.clicks(caller.require(), filters, caller.tz), Click.id, first, after))

    @strawberry.field(description="Conversions the caller may see, newest first.")
    def conversions(self, info: strawberry.Info, status: str | None = None, campaign_id: int | None = None,
                    affiliate_id: int | None = None, source: str | None = None, dates: DateRange | None = None,
                    first: int | None = None, after: str | None = None) -> Connection[ConversionNode]:
        caller = _caller(info)
        start, end = _range(dates)
        filters = conversion_queries.ConversionFilters(status=status, campaign_id=campaign_id,
                                                       affiliate_id=affiliate_id, source=source,
                                                       date_from=start, date_to=end)
        return connection(keyset.page(visibility.conversions(caller.require(), filters, caller.tz), Conversion.id,
                                      first, after, (selectinload(Conversion.campaign),
                                                     selectinload(Conversion.affiliate))))

    @strawberry.field
    def conversion(self, info: strawberry.Info, id: int) -> ConversionNode:
        return visibility.conversion(_caller(info).require(), id)

    @strawberry.field(description="The affiliate's money, one entry per currency.")
    def balance(self, info: strawberry.Info) -> list[Balance]:
        user = _caller(info).require("affiliate")
        return [Balance(currency=b.currency, unapproved=b.unapproved, held=b.held, available=b.available,
                        in_payment=b.in_payment, paid=b.paid) for b in balances.for_affiliate(user.id).values()]

    @strawberry.field(description="The affiliate's payout requests; every request for an admin.")
    def payout_requests(self, info: strawberry.Info, status: str | None = None, affiliate_id: int | None = None,
                        first: int | None = None, after: str | None = None) -> Connection[PayoutRequestNode]:
        user = _caller(info).require("affiliate", "admin")
        return connection(keyset.page(visibility.payout_requests(user, status, affiliate_id), PayoutRequest.id,
                                      first, after, (selectinload(PayoutRequest.affiliate),)))

    @strawberry.field
    def payout_request(self, info: strawberry.Info, id: int) -> PayoutRequestNode:
        return visibility.payout_request(_caller(info).require("affiliate", "admin"), id)

    @strawberry.field(description="How the affiliate is paid (masked).")
    def payout_details(self, info: strawberry.Info) -> PayoutDetails:
        user = _caller(info).require("affiliate")
        return payout_details(details.profile_of(user.id))

    @strawberry.field(description="The dashboard figures over a range of days (the last 30 by default).")
    def stats(self, info: strawberry.Info, currency: str | None = None, campaign_id: int | None = None,
              dates: DateRange | None = None) -> Stats:
        caller = _caller(info)
        start, end = _range(dates)
        values, currency, period = figures.stats(
            caller.require(), currency=currency, campaign_id=campaign_id, start=start, end=end, today=caller.today,
            zone_name=caller.tz, default_currency=current_app.config["DEFAULT_CURRENCY"])
        return Stats(currency=currency, start=period.start, end=period.end,
                     **{name: int(values.get(name, 0)) for name in STATS_FIGURES})

    @strawberry.field(description="The audit log (admins), newest first.")
    def audit_events(self, info: strawberry.Info, action: str | None = None, object_type: str | None = None,
                     object_id: str | None = None, actor_id: int | None = None, dates: DateRange | None = None,
                     first: int | None = None, after: str | None = None) -> Connection[AuditEventNode]:
        caller = _caller(info)
        user = caller.require("admin")
        start, end = _range(dates)
        filters = visibility.AuditFilters(action=action, object_type=object_type, object_id=object_id,
                                          actor_id=actor_id, date_from=start, date_to=end)
        return connection(keyset.page(visibility.audit_events(user, filters, caller.tz), AuditEvent.id, first, after,
                                      (selectinload(AuditEvent.actor),)))


STATS_FIGURES = ("clicks", "unique_clicks", "conversions", "pending", "approved", "rejected", "reversed", "revenue",
                 "commission", "commission_approved", "commission_reversed", "paid", "commission_paid")
