"""Conversion mutations: a shop records orders, a reviewer approves, rejects and refunds them."""
from datetime import datetime

import strawberry

from app.blueprints.graphql.common_types import MinorUnits
from app.blueprints.graphql.money_types import ConversionNode
from app.services.api import visibility
from app.services.conversions import record, refunds, states


@strawberry.input
class ConversionInput:
    click_id: str = strawberry.field(description="The aff_click_id the shop received with the visitor.")
    order_id: str
    amount: MinorUnits | None = strawberry.field(default=None, description="Leave out for a lead.")
    currency: str
    customer_email: str | None = None


@strawberry.type(description="The conversion, and whether this call recorded it (false: the same order again).")
class RecordedConversion:
    conversion: ConversionNode
    created: bool


@strawberry.type(name="Refund")
class RefundNode:
    id: int
    amount: MinorUnits
    commission_delta: MinorUnits = strawberry.field(description="The change this refund made to the commission.")
    external_id: str | None
    reason: str | None
    created_at: datetime


@strawberry.type(description="The refund, whether this call recorded it (false: the same refundId again), and "
                             "the conversion after it.")
class RecordedRefund:
    refund: RefundNode
    created: bool
    conversion: ConversionNode


@strawberry.type(description="How many conversions changed; others were decided already or are not yours.")
class DecidedConversions:
    decided: int


def _reviewable(info: strawberry.Info, conversion_id: int):
    caller = info.context
    user = caller.require("merchant", "admin", write=True)
    return caller, user, visibility.conversion(user, conversion_id)


@strawberry.type
class ConversionMutations:
    @strawberry.mutation(description="Report an order for a click on one of the merchant's campaigns. Sending the "
                                     "same order again returns the same conversion; other values are refused.")
    def record_conversion(self, info: strawberry.Info, input: ConversionInput) -> RecordedConversion:
        caller = info.context
        user = caller.require("merchant", write=True)
        conversion, created = record.record_conversion(
            merchant_id=user.id, campaign_id=None, click_public_id=input.click_id, order_id=input.order_id,
            amount=input.amount, currency=input.currency, source="api", customer_email=input.customer_email,
            ip=caller.ip)
        return RecordedConversion(conversion=conversion, created=created)

    @strawberry.mutation(description="Approve a pending conversion; its commission enters the affiliate's ledger.")
    def approve_conversion(self, info: strawberry.Info, id: int) -> ConversionNode:
        caller, user, conversion = _reviewable(info, id)
        return states.approve(conversion.id, user.id, ip=caller.ip)

    @strawberry.mutation(description="Reject a pending conversion with a reason the affiliate sees.")
    def reject_conversion(self, info: strawberry.Info, id: int, reason: str) -> ConversionNode:
        caller, user, conversion = _reviewable(info, id)
        return states.reject(conversion.id, user.id, reason, ip=caller.ip)

    @strawberry.mutation(description="Approve or reject many pending conversions (a reason is needed to reject).")
    def decide_conversions(self, info: strawberry.Info, ids: list[int], approve: bool,
                           reason: str | None = None) -> DecidedConversions:
        caller = info.context
        user = caller.require("merchant", "admin", write=True)
        wanted = visibility.bounded_ids(ids)
        if approve:
            return DecidedConversions(decided=states.approve_many(wanted, user, reason, ip=caller.ip))
        return DecidedConversions(decided=states.reject_many(wanted, user, reason or "", ip=caller.ip))

    @strawberry.mutation(description="Refund all or part of the order; the commission share leaves the ledger. "
                                     "A repeated refundId returns the first refund.")
    def refund_conversion(self, info: strawberry.Info, id: int, amount: MinorUnits, refund_id: str | None = None,
                          reason: str | None = None) -> RecordedRefund:
        caller, user, conversion = _reviewable(info, id)
        refund, created = refunds.record_refund(conversion.id, amount, actor_id=user.id, external_id=refund_id,
                                                reason=reason, ip=caller.ip)
        return RecordedRefund(refund=refund, created=created, conversion=visibility.conversion(user, conversion.id))
