"""Signs that a conversion may not be a genuine customer's order.

Flags never refuse a conversion: they are stored on it, logged, and keep it out of automatic
approval so a person looks at it.
"""
import re
from datetime import datetime, timedelta

from loguru import logger
from sqlalchemy import func, select

from app.extensions import db
from app.models.tracking import Click
from app.models.users import User

SELF_REFERRAL = "self_referral"
AFFILIATE_IP = "affiliate_ip"
FAST_CONVERSION = "fast_conversion"
BOT_USER_AGENT = "bot_user_agent"
CLICK_FLOOD = "click_flood"

FLAGS = (SELF_REFERRAL, AFFILIATE_IP, FAST_CONVERSION, BOT_USER_AGENT, CLICK_FLOOD)
# The list filter's choice meaning "any flag at all".
ANY_FLAG = "any"

FAST_CONVERSION_SECONDS = 15
FLOOD_CLICKS = 20
FLOOD_WINDOW = timedelta(hours=1)

_BOT = re.compile(
    r"(?<!cu)bot\b|bot/|crawl|spider|slurp|scrapy|curl/|wget/|python-requests|python-urllib|aiohttp|httpx|"
    r"go-http-client|java/|okhttp|libwww|headlesschrome|phantomjs|puppeteer|playwright|selenium",
    re.IGNORECASE,
)


def canonical_email(email: str | None) -> str | None:
    """Lower-case, with any `+tag` dropped from the local part: Ann+x@Mail.com -> ann@mail.com."""
    if not email or "@" not in email:
        return None
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    return f"{local}@{domain}" if local and domain else None


def is_bot_user_agent(user_agent: str | None) -> bool:
    return bool(user_agent) and _BOT.search(user_agent) is not None


def evaluate(click: Click, *, customer_email: str | None, ip: str | None, now: datetime) -> list[str]:
    """The flag codes that apply to a conversion credited to `click`."""
    flags = []
    affiliate = db.session.get(User, click.affiliate_id)
    customer = canonical_email(customer_email)
    if customer and affiliate is not None and customer == canonical_email(affiliate.email):
        flags.append(SELF_REFERRAL)
    login_ip = affiliate.last_login_ip if affiliate is not None else None
    if login_ip and login_ip in {ip, click.ip}:
        flags.append(AFFILIATE_IP)
    if now - click.created_at <= timedelta(seconds=FAST_CONVERSION_SECONDS):
        flags.append(FAST_CONVERSION)
    if is_bot_user_agent(click.user_agent):
        flags.append(BOT_USER_AGENT)
    if click.ip and _clicks_from_ip(click) >= FLOOD_CLICKS:
        flags.append(CLICK_FLOOD)
    return flags


def _clicks_from_ip(click: Click) -> int:
    # The hour leading up to this click, on its campaign (served by the campaign/created_at index).
    return db.session.scalar(
        select(func.count()).select_from(Click).where(
            Click.campaign_id == click.campaign_id,
            Click.created_at >= click.created_at - FLOOD_WINDOW,
            Click.created_at <= click.created_at,
            Click.ip == click.ip,
        )
    ) or 0


def log_flags(conversion) -> None:
    for flag in conversion.fraud_flags or []:
        logger.warning(
            "suspicious conversion id={} order_id={} campaign={} affiliate={} flag={}",
            conversion.id, conversion.order_id, conversion.campaign_id, conversion.affiliate_id, flag,
        )
