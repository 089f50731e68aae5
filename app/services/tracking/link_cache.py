"""What the click path needs to know about a link, cached per process for a short time.

A click must be answered without touching the database, so each web process keeps the few fields
it needs per link code. Entries live `CLICK_LINK_CACHE_SECONDS` (default 60 s): pausing a campaign,
archiving a link or removing an affiliate takes effect everywhere within that time.
"""
import time
from dataclasses import dataclass

from flask import current_app
from loguru import logger
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models.campaigns import Campaign, Membership
from app.models.common import utcnow
from app.models.tracking import Link
from app.models.users import User
from app.urls import is_allowed_destination

DEFAULT_TTL_SECONDS = 60
# Unknown codes are remembered briefly so a stream of bad codes costs one query per code and few seconds.
MISS_TTL_SECONDS = 5
MAX_ENTRIES = 20_000
_CACHE_KEY = "click_link_cache"


@dataclass(frozen=True, slots=True)
class LinkTarget:
    link_id: int
    campaign_id: int
    affiliate_id: int
    # Where the visitor goes without a valid `to`: the link's own destination or the landing page.
    destination: str
    allowed_hosts: tuple[str, ...]
    cookie_max_age: int
    attributable: bool


def _cache() -> dict:
    return current_app.extensions.setdefault(_CACHE_KEY, {})


def clear() -> None:
    """Forget every cached link of this process (tests, or right after a change made here)."""
    _cache().clear()


def forget(code: str) -> None:
    _cache().pop(code, None)


def get(code: str) -> LinkTarget | None:
    """The link behind `code`, or None if there is no such link."""
    cache = _cache()
    now = time.monotonic()
    hit = cache.get(code)
    if hit is not None and hit[0] > now:
        return hit[1]
    try:
        target = _load(code)
    except SQLAlchemyError as exc:
        if hit is None:
            raise
        # The database is unreachable: a link we knew a moment ago still works.
        logger.warning("link {} served from the stale cache: {}", code, type(exc).__name__)
        target = hit[1]
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    ttl = current_app.config.get("CLICK_LINK_CACHE_SECONDS", DEFAULT_TTL_SECONDS) if target else MISS_TTL_SECONDS
    cache[code] = (now + ttl, target)
    return target


def _load(code: str) -> LinkTarget | None:
    # Plain columns, no ORM objects: this runs inside the redirect.
    query = (
        select(Link.id, Link.campaign_id, Link.affiliate_id, Link.destination_url, Link.archived_at,
               Campaign.landing_url, Campaign.allowed_hosts, Campaign.attribution_days, Campaign.status,
               Campaign.starts_on, Campaign.ends_on, Membership.status.label("membership_status"),
               User.is_disabled)
        .join(Campaign, Campaign.id == Link.campaign_id)
        .join(User, User.id == Link.affiliate_id)
        .outerjoin(Membership, (Membership.campaign_id == Link.campaign_id)
                   & (Membership.affiliate_id == Link.affiliate_id))
        .where(Link.code == code)
    )
    with db.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    hosts = tuple(h.strip().rstrip(".").lower() for h in (row.allowed_hosts or "").split() if h.strip())
    destination = row.landing_url
    # A deep link stays followed only while its host is still one the campaign allows.
    if row.destination_url and is_allowed_destination(row.destination_url, list(hosts)):
        destination = row.destination_url
    return LinkTarget(
        link_id=row.id, campaign_id=row.campaign_id, affiliate_id=row.affiliate_id,
        destination=destination, allowed_hosts=hosts, cookie_max_age=int(row.attribution_days) * 86400,
        attributable=_attributable(row),
    )


def _attributable(row) -> bool:
    """Whether a click now may earn the affiliate a commission later."""
    today = utcnow().date()
    return (
        row.archived_at is None
        and row.status == "active"
        and (row.starts_on is None or row.starts_on <= today)
        and (row.ends_on is None or row.ends_on >= today)
        and row.membership_status == "approved"
        and not row.is_disabled
    )
