"""What the API answers about conversions and refunds, built through the models its document describes."""
from datetime import UTC

from app.blueprints.api.responses import Attribution, Conversion, Refund


def _utc(moment):
    # Stored naive in UTC; the answer says so.
    return None if moment is None else moment.replace(microsecond=0, tzinfo=UTC)


def _conversion(conversion) -> Conversion:
    click_id = conversion.click_public_id
    rate = conversion.commission_rate
    return Conversion(
        id=conversion.id, order_id=conversion.order_id, amount=conversion.amount, currency=conversion.currency,
        commission=conversion.commission, commission_type=conversion.commission_type,
        commission_rate=None if rate is None else f"{rate:.2f}", refunded_amount=conversion.refunded_amount,
        commission_reversed=conversion.commission_reversed, status=conversion.status, source=conversion.source,
        campaign_id=conversion.campaign_id, affiliate_id=conversion.affiliate_id, click_id=click_id,
        attribution=Attribution(click_id=click_id, rule=conversion.attribution_rule),
        created_at=_utc(conversion.created_at), payable_at=_utc(conversion.payable_at))


def conversion_json(conversion) -> dict:
    return _conversion(conversion).model_dump(mode="json")


def refund_json(refund) -> dict:
    return Refund(
        id=refund.id, conversion_id=refund.conversion_id, refund_id=refund.external_id, amount=refund.amount,
        commission_delta=refund.commission_delta, reason=refund.reason, created_at=_utc(refund.created_at),
        conversion=_conversion(refund.conversion)).model_dump(mode="json")
