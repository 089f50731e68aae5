"""Recording what the conversion pixel reported, away from the request that served the GIF."""
from loguru import logger

from app.extensions import db
from app.services.common.errors import ServiceError
from app.services.conversions import record
from app.services.tracking import drain


def record_pixel_conversion(campaign_id: int, click_id: str, order_id: str, amount: int | None, currency: str,
                            ip: str | None = None) -> int | None:
    """Credit the order to the click within `campaign_id`; the conversion's id, or None if refused.

    Safe to run twice: the same order is recorded once. A refusal is logged, never raised: nobody
    waits for the answer (the browser already has its GIF). Anything else (the database away) is
    raised after the log line, so the queue retries the job.
    """
    try:
        if isinstance(click_id, str) and click_id.isprintable():
            # A click made moments ago may still wait in the click buffer.
            drain.lookup_click(click_id)
        conversion, _created = record.record_conversion(
            merchant_id=None, campaign_id=campaign_id, click_public_id=click_id, order_id=order_id,
            amount=amount, currency=currency, source="pixel", ip=ip)
    except ServiceError as exc:
        db.session.rollback()
        logger.warning("pixel conversion refused order_id={!r} code={}", str(order_id)[:255],
                       getattr(exc, "code", type(exc).__name__))
        return None
    except Exception as exc:
        db.session.rollback()
        logger.warning("pixel conversion failed order_id={!r} code=error ({})", str(order_id)[:255],
                       type(exc).__name__)
        raise
    return conversion.id
