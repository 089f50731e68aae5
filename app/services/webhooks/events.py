"""The event types, who may receive each, and what an event says about its object."""
from datetime import UTC

CONVERSION_EVENTS = ("conversion.created", "conversion.approved", "conversion.rejected", "conversion.refunded")
MEMBERSHIP_EVENTS = ("membership.requested", "membership.decided")
PAYOUT_EVENTS = ("payout.requested", "payout.paid", "payout.failed")
ALL_EVENTS = CONVERSION_EVENTS + MEMBERSHIP_EVENTS + PAYOUT_EVENTS
TEST_EVENT = "webhook.test"

# What each role may subscribe to: merchants their campaigns' conversions and applications, affiliates
# their own conversions and payouts, admins everything.
EVENTS_FOR_ROLE = {
    "admin": ALL_EVENTS,
    "merchant": CONVERSION_EVENTS + MEMBERSHIP_EVENTS,
    "affiliate": CONVERSION_EVENTS + PAYOUT_EVENTS,
}


def _time(moment) -> str | None:
    return None if moment is None else moment.replace(microsecond=0, tzinfo=UTC).isoformat().replace("+00:00", "Z")


def conversion_data(conversion, refund=None) -> dict:
    click = conversion.click
    data = {
        "object": "conversion", "id": conversion.id, "order_id": conversion.order_id, "amount": conversion.amount,
        "currency": conversion.currency, "commission": conversion.commission,
        "refunded_amount": conversion.refunded_amount, "commission_reversed": conversion.commission_reversed,
        "status": conversion.status, "source": conversion.source, "campaign_id": conversion.campaign_id,
        "affiliate_id": conversion.affiliate_id, "click_id": click.public_id if click is not None else None,
        "reject_reason": conversion.reject_reason if conversion.status == "rejected" else None,
        "created_at": _time(conversion.created_at), "payable_at": _time(conversion.payable_at),
    }
    if refund is not None:
        data["refund"] = {"id": refund.id, "refund_id": refund.external_id, "amount": refund.amount,
                          "commission_delta": refund.commission_delta, "reason": refund.reason,
                          "created_at": _time(refund.created_at)}
    return data


def membership_data(membership) -> dict:
    return {"object": "membership", "id": membership.id, "campaign_id": membership.campaign_id,
            "affiliate_id": membership.affiliate_id, "status": membership.status, "note": membership.note,
            "created_at": _time(membership.created_at), "decided_at": _time(membership.decided_at)}


def payout_data(request) -> dict:
    return {"object": "payout_request", "id": request.id, "affiliate_id": request.affiliate_id,
            "amount": request.amount, "currency": request.currency, "status": request.status,
            "method": request.method, "transaction_id": request.transaction_id,
            "failed_reason": request.failed_reason if request.status == "failed" else None,
            "requested_at": _time(request.requested_at), "paid_at": _time(request.paid_at)}


def audience(event_type: str, *, merchant_id: int | None = None, affiliate_id: int | None = None) -> set[int]:
    """The owners (besides admins) whose endpoints may hear of this event."""
    owners = set()
    if event_type in CONVERSION_EVENTS + MEMBERSHIP_EVENTS and merchant_id is not None:
        owners.add(merchant_id)
    if event_type in CONVERSION_EVENTS + PAYOUT_EVENTS and affiliate_id is not None:
        owners.add(affiliate_id)
    return owners
