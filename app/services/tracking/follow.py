"""The click path (DESIGN §4 and §7): answer a tracking link at once and never lose the click.

The link comes from a per-process cache (`link_cache`), the click is handed to `click_buffer` (one
Redis round trip, or the database, or a spool file) and `click_drain` stores buffered clicks in
batches. Uniqueness: a click is unique unless the same visitor (IP + user agent) made a unique click
on the same link less than an hour before.
"""
import functools
import re
import secrets
from dataclasses import dataclass
from urllib.parse import unquote_plus

from loguru import logger
from sqlalchemy.exc import SQLAlchemyError

from app.models.common import utcnow
from app.services.common.errors import ServiceError
from app.services.monitoring.metrics import CLICKS_RECORDED, CLICKS_REFUSED
from app.services.tracking import buffer, link_cache
from app.urls import is_allowed_destination

CLICK_PARAM = "aff_click_id"
COOKIE_NAME = "aff_click_id"
MAX_CODE_LENGTH = 32
SUB_MAX, IP_MAX, USER_AGENT_MAX, REFERRER_MAX = 100, 45, 512, 2000
SUB_COLUMNS = ("sub1", "sub2", "sub3", "sub4", "sub5")

# Crawlers, link-preview fetchers and scripts: redirected, never recorded. An empty user agent is
# treated the same way (every browser sends one). Plain substring tests: a regular expression with
# this many alternatives costs more than the rest of the click.
_ROBOT_WORDS = (
    "crawl", "spider", "slurp", "preview", "externalhit", "externalagent", "facebookcatalog", "whatsapp",
    "embedly", "vkshare", "iframely", "headless", "phantomjs", "lighthouse", "pingdom", "curl/", "wget",
    "python-requests", "python-urllib", "python-httpx", "aiohttp", "go-http-client", "java/", "okhttp",
    "libwww", "scrapy", "axios", "node-fetch", "apache-httpclient", "postmanruntime", "insomnia",
)
# "bot" as in Googlebot, bingbot, Twitterbot, Slackbot, LinkedInBot, TelegramBot, Discordbot; but
# CUBOT is a phone brand.
_BOT = re.compile(r"(?<!cu)bot")


class UnknownLink(ServiceError):
    """There is no tracking link with this code."""


class LinkUnavailable(ServiceError):
    """The link cannot be looked up right now (the database does not answer)."""


@dataclass(frozen=True, slots=True)
class Redirect:
    location: str
    # None when nothing was recorded (HEAD, robots): no click id in the URL and no cookie.
    click_id: str | None
    cookie_max_age: int


def is_robot(user_agent: str | None) -> bool:
    return _is_robot_agent(user_agent or "")


# Browsers send a few thousand distinct user agents, most clicks one of a few hundred: the answer for
# each is remembered (at most ~2 MB a process) instead of testing thirty words on every click.
@functools.lru_cache(maxsize=4096)
def _is_robot_agent(user_agent: str) -> bool:
    agent = user_agent.strip().lower()
    if not agent:
        return True
    if "bot" in agent and _BOT.search(agent):
        return True
    return any(word in agent for word in _ROBOT_WORDS)


def is_code(code: str) -> bool:
    """Whether `code` could be a link's code at all (short, printable ASCII)."""
    return 0 < len(code) <= MAX_CODE_LENGTH and code.isascii() and code.isprintable()


def new_click_id() -> str:
    """Opaque, URL-safe, 128 random bits (22 characters)."""
    return secrets.token_urlsafe(16)


def follow_link(code: str, *, to: str | None = None, subs=(), ip: str | None = None,
                user_agent: str | None = None, referrer: str | None = None, record: bool = True) -> Redirect:
    """Where the visitor of tracking link `code` goes, recording the click unless `record` is off.

    `to` (a deep link) is followed only when it is an absolute http(s) URL on one of the campaign's
    allowed hosts; anything else sends the visitor to the link's usual destination.
    """
    if not is_code(code):
        CLICKS_REFUSED["unknown_code"].inc()
        raise UnknownLink(field="code")
    try:
        target = link_cache.get(code)
    except SQLAlchemyError as exc:
        logger.error("link {} could not be looked up: {}", code, type(exc).__name__)
        CLICKS_REFUSED["link_unavailable"].inc()
        raise LinkUnavailable() from exc
    if target is None:
        CLICKS_REFUSED["unknown_code"].inc()
        raise UnknownLink(field="code")
    location = target.destination
    if to and is_allowed_destination(to, target.allowed_hosts):
        location = to
    if not record:
        return Redirect(location, None, target.cookie_max_age)
    if is_robot(user_agent):
        CLICKS_REFUSED["robot"].inc()
        buffer.count_robot(target.link_id, target.campaign_id, target.affiliate_id)
        return Redirect(location, None, target.cookie_max_age)
    click_id = new_click_id()
    row = {
        "public_id": click_id, "link_id": target.link_id, "campaign_id": target.campaign_id,
        "affiliate_id": target.affiliate_id, "created_at": utcnow(), "ip": _cut(ip, IP_MAX),
        "user_agent": _cut(user_agent, USER_AGENT_MAX), "referrer": _cut(referrer, REFERRER_MAX),
        "is_unique": None, "is_attributable": target.attributable,
        "sub1": None, "sub2": None, "sub3": None, "sub4": None, "sub5": None,
    }
    for name, value in zip(SUB_COLUMNS, subs, strict=False):
        if value:
            row[name] = _cut(value, SUB_MAX)
    CLICKS_RECORDED[buffer.record(row)].inc()
    return Redirect(with_click_id(location, click_id), click_id, target.cookie_max_age)


def with_click_id(url: str, click_id: str) -> str:
    """`url` with `aff_click_id=<click_id>` in its query: other parameters kept as they are, an old id replaced."""
    rest, hash_mark, fragment = url.partition("#")
    base, _, query = rest.partition("?")
    kept = [part for part in query.split("&") if unquote_plus(part.partition("=")[0]) != CLICK_PARAM] if query else []
    kept.append(f"{CLICK_PARAM}={click_id}")
    return f"{base}?{'&'.join(kept)}{hash_mark}{fragment}"


def _cut(value: str | None, limit: int) -> str | None:
    # NUL cannot be stored in Postgres text; longer values are cut rather than refused.
    if not value:
        return None
    return value.replace("\x00", "")[:limit] or None
