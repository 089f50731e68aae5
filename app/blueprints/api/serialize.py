"""What the API answers about conversions and refunds."""


def _iso(moment) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"


def conversion_json(conversion) -> dict:
    click_id = conversion.click_public_id
    rate = conversion.commission_rate
    return {
        "id": conversion.id,
        "order_id": conversion.order_id,
        "amount": conversion.amount,
        "currency": conversion.currency,
        "commission": conversion.commission,
        "commission_type": conversion.commission_type,
        "commission_rate": None if rate is None else f"{rate:.2f}",
        "refunded_amount": conversion.refunded_amount,
        "commission_reversed": conversion.commission_reversed,
        "status": conversion.status,
        "source": conversion.source,
        "campaign_id": conversion.campaign_id,
        "affiliate_id": conversion.affiliate_id,
        "click_id": click_id,
        "attribution": {"click_id": click_id, "rule": conversion.attribution_rule},
        "created_at": _iso(conversion.created_at),
        "payable_at": _iso(conversion.payable_at),
    }


def refund_json(refund) -> dict:
    return {
        "id": refund.id,
        "conversion_id": refund.conversion_id,
        "refund_id": refund.external_id,
        "amount": refund.amount,
        "commission_delta": refund.commission_delta,
        "reason": refund.reason,
        "created_at": _iso(refund.created_at),
        "conversion": conversion_json(refund.conversion),
    }
