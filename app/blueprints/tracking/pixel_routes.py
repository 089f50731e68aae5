"""The browser integration: aff.js and the conversion pixel.

The pixel is public and fired by shoppers' browsers: whatever arrives, it answers the same 1×1 GIF
at once. What it could not record is logged as a warning (order id and a code) for the operator;
the browser learns nothing from it.
"""
import os
import re

from flask import current_app, make_response, request, send_file
from loguru import logger
from rq import Retry

from app.blueprints.tracking import bp
from app.extensions import csrf, redis_connection
from app.ids import ID_MAX
from app.jobs import queue
from app.jobs.pixel import record_pixel_conversion
from app.rate_limits import rate_limited
from app.services.tracking import follow

# A transparent 1×1 GIF89a: one palette entry marked transparent by the graphic control extension.
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
       b"!\xf9\x04\x01\x00\x00\x00\x00"
       b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
SCRIPT_MAX_AGE = 3600
_DIGITS = re.compile(r"^[0-9]{1,19}$")
# Click ids are URL-safe and at most 64 characters; anything else was never issued.
_CLICK_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# A worker retries a job the database could not take, for a few minutes.
RETRY = Retry(max=3, interval=[10, 60, 300])


class PixelInputError(ValueError):
    def __init__(self, code: str, field: str):
        super().__init__(code)
        self.code, self.field = code, field


@csrf.exempt
@bp.get("/t/aff.js")
def aff_js():
    """The script a shop includes on its pages: keeps the click id and reports orders through the pixel."""
    path = os.path.join(current_app.static_folder, "track", "aff.js")
    response = send_file(path, mimetype="application/javascript", max_age=SCRIPT_MAX_AGE, conditional=True)
    response.cache_control.public = True
    # Loaded by other sites' pages.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@csrf.exempt
@bp.get("/t/conversion.gif")
@rate_limited("pixel")
def conversion_pixel():
    """The conversion pixel: reports an order seen in a shopper's browser; always a 1×1 GIF."""
    order_id = request.args.get("order_id", "")
    try:
        if request.method == "GET":
            _record(request.args, request.cookies.get(follow.COOKIE_NAME), request.remote_addr)
    except PixelInputError as exc:
        logger.warning("pixel conversion refused order_id={!r} code={} field={}", order_id[:255], exc.code,
                       exc.field)
    except Exception as exc:
        logger.warning("pixel conversion failed order_id={!r} code=error ({})", order_id[:255],
                       type(exc).__name__)
    return _gif()


def _record(args, cookie_click_id: str | None, ip: str | None) -> None:
    campaign_id = _integer(args.get("campaign"), "campaign")
    if campaign_id > ID_MAX:
        raise PixelInputError("unknown_campaign", "campaign")
    # A lead campaign needs no amount; whether this one does is checked with the click.
    amount = _integer(args.get("amount"), "amount") if (args.get("amount") or "").strip() else None
    order_id = (args.get("order_id") or "").strip()
    currency = (args.get("currency") or "").strip()
    # A third-party request rarely carries our cookie, but when it does it is as good as the parameter.
    click_id = (args.get("click_id") or "").strip() or (cookie_click_id or "").strip()
    for field, value in (("order_id", order_id), ("currency", currency), ("click_id", click_id)):
        if not value:
            raise PixelInputError("required", field)
    if not _CLICK_ID.match(click_id):
        raise PixelInputError("unknown_click", "click_id")
    arguments = (campaign_id, click_id, order_id, amount, currency, ip)
    if redis_connection() is not None:
        try:
            queue.enqueue(record_pixel_conversion, *arguments, retry=RETRY)
            return
        except Exception as exc:
            # Redis is away: record it here rather than lose the order.
            logger.warning("pixel queue unavailable ({}), recording in the request", type(exc).__name__)
    record_pixel_conversion(*arguments)


def _integer(raw: str | None, field: str) -> int:
    raw = (raw or "").strip()
    if not raw:
        raise PixelInputError("required", field)
    if not _DIGITS.match(raw):
        raise PixelInputError("invalid_type", field)
    return int(raw)


def _gif():
    response = make_response(GIF)
    response.headers["Content-Type"] = "image/gif"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
