"""What the click path needs to know about a link: every link, held in each web process.

A click must be answered without touching the database, whichever of thousands of links it follows, so
each process loads all links at once (one query; per 10,000 links about 60 ms of the process's CPU and
3 MB, measured on a busy two-core machine) and answers every click from that snapshot. It is kept current
through a version key in Redis: every commit that changes a link, a membership, a campaign or an
affiliate's access writes a new version there (`link_changes`), and each process reads the key at most
once a second (one GET per second per process, none per click) and reloads its snapshot when the version
moved. A paused campaign or a removed member therefore stops earning commissions everywhere within about
a second; the process that made the change reloads on its next click. A code the snapshot does not know
makes the process read the version at once, so a link created a moment ago works on its first click.

Why a snapshot in each process rather than the links in Redis: a click already makes one Redis round
trip (the stream append), and a lookup in Redis would add a second one, or a Lua script on every click
that costs Redis's own CPU; a dictionary lookup costs nothing, and the one-second check is shared by
all the clicks of that second.

Without Redis (development, or Redis unreachable) there is no shared version: the snapshot is reloaded
every `CLICK_LINK_CACHE_SECONDS` (default 60), changes made in the same process apply at once, and a
code the snapshot does not know is looked up in the database (and remembered as unknown for a few
seconds, so a stream of bad codes costs one query per code). With Redis the snapshot is also reloaded
every 15 minutes, for changes made outside the app. If the database cannot be reached, the last
snapshot keeps serving.
"""
import threading
import time
from dataclasses import dataclass
from datetime import date

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
# With Redis: how often the version key is read, and the longest a snapshot is kept anyway.
CHECK_SECONDS = 1.0
MAX_AGE_SECONDS = 900
# After a failed reload (the database is away), the old snapshot serves this long before a new try.
RETRY_SECONDS = 5
# Unknown codes are remembered briefly (without Redis) so a stream of bad codes costs one query per code.
MISS_TTL_SECONDS = 5
MAX_MISSES = 20_000
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
    # Link not archived, campaign active, affiliate approved in it and not disabled.
    open: bool
    starts_on: date | None
    ends_on: date | None

    @property
    def attributable(self) -> bool:
        """Whether a click now may earn the affiliate a commission later."""
        if not self.open:
            return False
        today = utcnow().date()
        return (self.starts_on is None or self.starts_on <= today) and (self.ends_on is None or self.ends_on >= today)


class Snapshot:
    """One process's links by code, the version they were loaded at, and when to look again."""

    def __init__(self):
        self.links: dict[str, LinkTarget] | None = None
        self.version: bytes | None = None
        # Whether the last look at the version reached Redis.
        self.shared = False
        self.loaded_at = 0.0
        self.check_at = 0.0
        self.stale = False
        self.misses: dict[str, float] = {}
        self.lock = threading.Lock()


def _snapshot() -> Snapshot:
    snapshot = current_app.extensions.get(_CACHE_KEY)
    if snapshot is None:
        snapshot = current_app.extensions.setdefault(_CACHE_KEY, Snapshot())
    return snapshot


def clear() -> None:
    """Forget every link this process holds (tests)."""
    current_app.extensions[_CACHE_KEY] = Snapshot()


def mark_stale() -> None:
    """A change was committed here: reload on the next click, whatever the version key says."""
    _snapshot().stale = True


def get(code: str) -> LinkTarget | None:
    """The link behind `code`, or None if there is no such link.

    Raises SQLAlchemyError only when nothing is known yet and the database cannot be reached.
    """
    snapshot = _snapshot()
    now = time.monotonic()
    if snapshot.links is None or snapshot.stale or now >= snapshot.check_at:
        _refresh(snapshot, now)
    target = snapshot.links.get(code)
    if target is not None:
        return target
    return _unknown(snapshot, code, now)


def _refresh(snapshot: Snapshot, now: float, *, force_check: bool = False) -> None:
    if snapshot.links is not None and not snapshot.lock.acquire(blocking=False):
        return  # another thread of this process is reloading; the current links serve meanwhile
    if snapshot.links is None:
        snapshot.lock.acquire()
    try:
        if snapshot.links is not None and not (snapshot.stale or force_check or now >= snapshot.check_at):
            return  # reloaded by the thread we waited for
        version, shared = _read_version()
        snapshot.shared = shared
        expired = now - snapshot.loaded_at >= (MAX_AGE_SECONDS if shared else _ttl())
        # Without Redis nothing says what changed elsewhere: the snapshot only ages out.
        moved = shared and version != snapshot.version
        if snapshot.links is not None and not (snapshot.stale or expired or moved):
            snapshot.check_at = now + _check_interval(shared)
            return
        try:
            links = _load_all()
        except SQLAlchemyError as exc:
            if snapshot.links is None:
                raise
            # The database is unreachable: the links we knew a moment ago still work.
            logger.warning("links not reloaded, the last ones serve ({})", type(exc).__name__)
            snapshot.check_at = now + RETRY_SECONDS
            return
        snapshot.links, snapshot.version, snapshot.stale = links, version, False
        snapshot.loaded_at = now
        snapshot.check_at = now + _check_interval(shared)
        snapshot.misses.clear()
    finally:
        snapshot.lock.release()


def _unknown(snapshot: Snapshot, code: str, now: float) -> LinkTarget | None:
    """A code the snapshot lacks: new since the last load, or no link at all."""
    if snapshot.shared:
        # Redis holds the version: one GET says whether anything changed since the snapshot.
        _refresh(snapshot, now, force_check=True)
        if snapshot.shared:
            return snapshot.links.get(code)
    misses = snapshot.misses
    if misses.get(code, 0.0) > now:
        return None
    try:
        target = _load_one(code)
    except SQLAlchemyError as exc:
        logger.warning("link {} could not be looked up ({})", code, type(exc).__name__)
        return None
    if target is None:
        if len(misses) >= MAX_MISSES:
            misses.clear()
        misses[code] = now + MISS_TTL_SECONDS
        return None
    snapshot.links = {**snapshot.links, code: target}  # copied: other threads may be reading the old one
    return target


def _check_interval(shared: bool) -> float:
    # Without a shared version (no Redis, or it failed), Redis is tried again after a few seconds.
    return CHECK_SECONDS if shared else min(_ttl(), RETRY_SECONDS)


def _ttl() -> float:
    return current_app.config.get("CLICK_LINK_CACHE_SECONDS", DEFAULT_TTL_SECONDS)


def _read_version() -> tuple[bytes | None, bool]:
    """The shared version of the links, or (None, False) without Redis or when it fails."""
    from app.services.tracking import link_changes

    return link_changes.current_version()


def _query():
    # Plain columns, no ORM objects: fast to load, and nothing bound to a session.
    return (
        select(Link.code, Link.id, Link.campaign_id, Link.affiliate_id, Link.destination_url, Link.archived_at,
               Campaign.landing_url, Campaign.allowed_hosts, Campaign.attribution_days, Campaign.status,
               Campaign.starts_on, Campaign.ends_on, Membership.status.label("membership_status"),
               User.is_disabled)
        .join(Campaign, Campaign.id == Link.campaign_id)
        .join(User, User.id == Link.affiliate_id)
        .outerjoin(Membership, (Membership.campaign_id == Link.campaign_id)
                   & (Membership.affiliate_id == Link.affiliate_id))
    )


def _load_all() -> dict[str, LinkTarget]:
    started = time.perf_counter()
    campaigns: dict[int, tuple[str, tuple[str, ...], int]] = {}
    with db.engine.connect() as conn:
        rows = conn.execute(_query()).all()  # fetched at once: row by row costs twice the time
    links = {row.code: _target(row, campaigns) for row in rows}
    logger.debug("{} links loaded in {:.0f} ms", len(links), (time.perf_counter() - started) * 1000)
    return links


def _load_one(code: str) -> LinkTarget | None:
    with db.engine.connect() as conn:
        row = conn.execute(_query().where(Link.code == code)).first()
    return None if row is None else _target(row, {})


def _target(row, campaigns: dict) -> LinkTarget:
    # Unpacked by position: a row's attributes cost more than the rest of this function.
    (_code, link_id, campaign_id, affiliate_id, destination_url, archived_at, landing_url, allowed_hosts,
     attribution_days, status, starts_on, ends_on, membership_status, is_disabled) = row
    # Links of one campaign share its landing page and host list (memory, with thousands of links).
    shared = campaigns.get(campaign_id)
    if shared is None:
        hosts = tuple(h.strip().rstrip(".").lower() for h in (allowed_hosts or "").split() if h.strip())
        shared = campaigns[campaign_id] = (landing_url, hosts, int(attribution_days) * 86400)
    destination, hosts, cookie_max_age = shared
    # A deep link stays followed only while its host is still one the campaign allows.
    if destination_url and is_allowed_destination(destination_url, list(hosts)):
        destination = destination_url
    return LinkTarget(
        link_id, campaign_id, affiliate_id, destination, hosts, cookie_max_age,
        archived_at is None and status == "active" and membership_status == "approved" and not is_disabled,
        starts_on, ends_on,
    )
