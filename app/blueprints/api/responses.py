"""What the API answers, as pydantic models: the answers are built through them and documented from them."""
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["pending", "approved", "rejected", "reversed"]
OutcomeStatus = Literal["processed", "ignored", "already_processed"]


class Attribution(BaseModel):
    click_id: str | None = Field(description="The click the order was credited to.")
    rule: str | None = Field(description="How the click was found: the click id sent, or the last click.")


class Conversion(BaseModel):
    """A recorded order and the affiliate's commission on it."""

    id: int
    order_id: str
    amount: int = Field(description="Order amount in the currency's minor unit; 0 for a lead without one.")
    currency: str
    commission: int = Field(description="The affiliate's commission in minor units, fixed when recorded.")
    commission_type: str = Field(description="percent or fixed")
    commission_rate: str | None = Field(description="The percentage with two decimals, for a percent commission.")
    refunded_amount: int
    commission_reversed: int
    status: Status
    source: str = Field(description="How the order arrived: api, postback, pixel, stripe or manual.")
    campaign_id: int
    affiliate_id: int
    click_id: str | None
    attribution: Attribution
    created_at: datetime | None
    payable_at: datetime | None = Field(description="When the commission becomes payable, once approved.")


class Refund(BaseModel):
    """All or part of an order given back, and what it took back from the commission."""

    id: int
    conversion_id: int
    refund_id: str | None
    amount: int
    commission_delta: int = Field(description="Commission taken back by this refund (minor units, zero or less).")
    reason: str | None
    created_at: datetime | None
    conversion: Conversion


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable code to program against, e.g. required, invalid_type, order_conflict.")
    message: str = Field(description="Explanation for a developer.")
    field: str | None = Field(description="The input field at fault, if one is.")


class Error(BaseModel):
    """Every error of the API."""

    error: ErrorDetail


class StripeOutcome(BaseModel):
    """What became of a Stripe event: recorded, or ignored with the reason."""

    status: OutcomeStatus
    reason: str | None
    conversion_id: int | None = None
    refund_id: int | None = None


class WebhookDelivery(BaseModel):
    """One event as it is POSTed to a webhook endpoint, signed in the X-Webhook-Signature header."""

    id: str = Field(description="The event's id (evt_…): a repeated delivery carries the same one.")
    type: str = Field(description="The event type, e.g. conversion.approved.")
    created: datetime = Field(description="When the change happened (UTC).")
    data: dict = Field(description="The object as it was at that moment: a conversion, membership or payout "
                                   "request, with `object` naming which.")
