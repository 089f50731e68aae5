"""Campaigns: create, edit, change status, delete; whether an affiliate may join one."""
import re
import secrets
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from loguru import logger
from sqlalchemy import delete, exists, func, select

from app.extensions import db
from app.models.analytics import DailyCampaignStats
from app.models.campaigns import COMMISSION_TYPES, JOIN_MODES, PAYS_FOR, Campaign, Membership
from app.models.common import utcnow
from app.models.conversions import Conversion
from app.models.tracking import Click, Link
from app.money import CURRENCIES
from app.services.audit import trail
from app.services.common.errors import ServiceError
from app.urls import host_of

ATTRIBUTION_DAYS = (1, 365)
HOLD_DAYS = (0, 180)
RATE_MAX = Decimal(100)
NAME_MAX = 160
MAX_AFFILIATES_MAX = 1_000_000
# Changing one of these changes what a future conversion earns.
TERMS_FIELDS = ("pays_for", "commission_type", "commission_rate", "commission_fixed", "currency")
FIELDS = ("name", "description", "landing_url", "allowed_hosts", "pays_for", "commission_type", "commission_rate",
          "commission_fixed", "currency", "attribution_days", "join_mode", "max_affiliates", "starts_on",
          "ends_on", "hold_days", "terms", "auto_approve")
# (from, to) -> audit action; "ended" is final.
TRANSITIONS = {
    ("active", "paused"): "campaign.paused",
    ("paused", "active"): "campaign.resumed",
    ("active", "ended"): "campaign.ended",
    ("paused", "ended"): "campaign.ended",
}
JOIN_REASON_MESSAGES = {
    "paused": _l("This campaign is paused and does not accept new affiliates right now."),
    "ended": _l("This campaign has ended."),
    "not_started": _l("This campaign has not started yet."),
    "full": _l("This campaign has reached its maximum number of affiliates."),
}
_HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


class CampaignError(ServiceError):
    """The campaign cannot be changed that way."""


class InvalidCampaign(CampaignError):
    """A campaign field has a value the rules do not allow."""

    def __init__(self, message, field: str):
        # `message` may be a lazy translation: kept as is, it is translated when shown to someone.
        Exception.__init__(self, message)
        self.field = field


class IllegalStatusChange(CampaignError):
    """The campaign cannot move to that status from the one it is in."""
    field = "status"


class CampaignHasActivity(CampaignError):
    """The campaign already has clicks or conversions, so it cannot be deleted."""


class CampaignNotFound(CampaignError):
    """No campaign has that id."""


def parse_hosts(text: str) -> list[str]:
    """Host names from a one-per-line text, lower-cased, without duplicates; ValueError names a bad line."""
    hosts: list[str] = []
    for line in (text or "").split():
        host = line.strip().rstrip(".").lower()
        if not _HOST.match(host):
            raise ValueError(line)
        if host not in hosts:
            hosts.append(host)
    return hosts


def _fail(field: str, message) -> None:
    raise InvalidCampaign(message, field=field)


def _int_in(values: dict, field: str, low: int, high: int | None, message) -> None:
    value = values.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
        _fail(field, message)


def _clean(values: dict) -> dict:
    """Check every rule on a full set of campaign values and return them normalised."""
    v = dict(values)
    v["name"] = (v.get("name") or "").strip()
    if not v["name"] or len(v["name"]) > NAME_MAX:
        _fail("name", _l("Enter a name of at most %(max)d characters.", max=NAME_MAX))
    v["description"] = (v.get("description") or "").strip()
    v["terms"] = (v.get("terms") or "").strip()
    v["landing_url"] = (v.get("landing_url") or "").strip()
    landing_host = host_of(v["landing_url"])
    if landing_host is None:
        _fail("landing_url", _l("Enter a full http:// or https:// address."))
    try:
        hosts = parse_hosts(v.get("allowed_hosts") or "")
    except ValueError as exc:
        _fail("allowed_hosts", _l("“%(host)s” is not a host name.", host=str(exc)))
    v["allowed_hosts"] = "\n".join(hosts or [landing_host])
    v["pays_for"] = v.get("pays_for") or "sale"
    if v["pays_for"] not in PAYS_FOR:
        _fail("pays_for", _l("Choose what the campaign pays for."))
    if v.get("commission_type") not in COMMISSION_TYPES:
        _fail("commission_type", _l("Choose a commission type."))
    if v["pays_for"] == "lead" and v["commission_type"] != "fixed":
        _fail("commission_type", _l("A lead has no order amount to take a percentage of: choose a fixed amount."))
    if v.get("currency") not in CURRENCIES:
        _fail("currency", _l("Choose a currency from the list."))
    if v["commission_type"] == "percent":
        v["commission_fixed"] = None
        try:
            rate = Decimal(v.get("commission_rate"))
        except (InvalidOperation, TypeError, ValueError):
            rate = None
        if rate is None or not rate.is_finite() or not 0 <= rate <= RATE_MAX or rate.as_tuple().exponent < -2:
            _fail("commission_rate", _l("Enter a rate from 0 to 100 with at most two decimals."))
        v["commission_rate"] = rate
    else:
        v["commission_rate"] = None
        _int_in(v, "commission_fixed", 0, None, _l("Enter an amount of 0 or more."))
    _int_in(v, "attribution_days", *ATTRIBUTION_DAYS, _l("Enter a number of days from 1 to 365."))
    _int_in(v, "hold_days", *HOLD_DAYS, _l("Enter a number of days from 0 to 180."))
    if v.get("max_affiliates") is not None:
        _int_in(v, "max_affiliates", 1, MAX_AFFILIATES_MAX, _l("Enter a number from 1 to %(max)d, or leave empty "
                                                                "for no limit.", max=MAX_AFFILIATES_MAX))
    if v.get("join_mode") not in JOIN_MODES:
        _fail("join_mode", _l("Choose how affiliates join."))
    starts, ends = v.get("starts_on"), v.get("ends_on")
    if starts and ends and ends < starts:
        _fail("ends_on", _l("The end date cannot be before the start date."))
    v["auto_approve"] = bool(v.get("auto_approve"))
    return {field: v.get(field) for field in FIELDS}


def _plain(value):
    """A JSON-friendly copy of a column value for the audit trail."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _snapshot(campaign: Campaign, fields=FIELDS) -> dict:
    return {field: _plain(getattr(campaign, field)) for field in fields}


def _locked(campaign_id: int) -> Campaign:
    """The campaign row, locked until commit on Postgres, so concurrent changes queue up."""
    campaign = db.session.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update()
                                 .execution_options(populate_existing=True))
    if campaign is None:
        raise CampaignNotFound()
    return campaign


def create_campaign(merchant_id: int, data: dict, actor_id: int | None, ip: str | None) -> Campaign:
    values = _clean({"currency": "VND", "attribution_days": 30, "hold_days": 30, "join_mode": "open", **data})
    campaign = Campaign(merchant_id=merchant_id, status="active", postback_token=secrets.token_urlsafe(24),
                        terms_changed_at=utcnow(), **values)
    db.session.add(campaign)
    db.session.flush()
    trail.record("campaign.created", campaign, actor_id=actor_id, after=_snapshot(campaign), ip=ip)
    db.session.commit()
    logger.info("campaign created id={} merchant={}", campaign.id, merchant_id)
    return campaign


def update_campaign(campaign_id: int, data: dict, actor_id: int | None, ip: str | None) -> Campaign:
    """Change a campaign's fields. Recorded conversions keep the commission they were given."""
    campaign = _locked(campaign_id)
    current = _snapshot(campaign)
    try:
        values = _clean({**{f: getattr(campaign, f) for f in FIELDS}, **data})
    except InvalidCampaign:
        db.session.rollback()  # let go of the row lock at once
        raise
    before, after = {}, {}
    for field, value in values.items():
        if getattr(campaign, field) != value:
            before[field], after[field] = current[field], _plain(value)
            setattr(campaign, field, value)
    if not after:
        db.session.rollback()
        return campaign
    if any(field in after for field in TERMS_FIELDS):
        campaign.terms_changed_at = utcnow()
    trail.record("campaign.updated", campaign, actor_id=actor_id, before=before, after=after, ip=ip)
    db.session.commit()
    logger.info("campaign updated id={} fields={}", campaign.id, sorted(after))
    return campaign


def set_status(campaign_id: int, new_status: str, actor_id: int | None, ip: str | None) -> Campaign:
    """Pause, resume or end a campaign; any other move raises IllegalStatusChange."""
    campaign = _locked(campaign_id)
    action = TRANSITIONS.get((campaign.status, new_status))
    if action is None:
        old = campaign.status
        db.session.rollback()
        raise IllegalStatusChange(f"A campaign cannot go from {old} to {new_status}.")
    before = {"status": campaign.status}
    campaign.status = new_status
    trail.record(action, campaign, actor_id=actor_id, before=before, after={"status": new_status}, ip=ip)
    db.session.commit()
    logger.info("campaign status id={} {} -> {}", campaign.id, before["status"], new_status)
    return campaign


def can_delete(campaign_id: int) -> bool:
    """Whether nothing was ever recorded on the campaign: no click or conversion, kept or already rolled up.

    Asked as EXISTS, so a campaign with millions of clicks answers as fast as one with a single click.
    """
    recorded = (exists().where(Click.campaign_id == campaign_id) | exists().where(Conversion.campaign_id == campaign_id)
                | exists().where(DailyCampaignStats.campaign_id == campaign_id))
    return not db.session.scalar(select(recorded))


def delete_campaign(campaign_id: int, actor_id: int | None, ip: str | None) -> None:
    """Delete a campaign that nobody has clicked yet, with its memberships and links."""
    campaign = _locked(campaign_id)
    # Locking its links waits for clicks being inserted right now: each holds a share lock on its link
    # (the click's foreign key check) until it commits, and is then seen by the check below.
    db.session.execute(select(Link.id).where(Link.campaign_id == campaign_id).with_for_update())
    if not can_delete(campaign_id):
        db.session.rollback()
        raise CampaignHasActivity()
    snapshot = _snapshot(campaign, ("name", "status", "merchant_id"))
    db.session.execute(delete(Link).where(Link.campaign_id == campaign_id))
    db.session.execute(delete(Membership).where(Membership.campaign_id == campaign_id))
    db.session.delete(campaign)
    trail.record("campaign.deleted", object_type="campaigns", object_id=campaign_id, actor_id=actor_id,
                 before=snapshot, ip=ip)
    db.session.commit()
    logger.info("campaign deleted id={}", campaign_id)


def has_ended(campaign: Campaign, today: date) -> bool:
    return campaign.status == "ended" or (campaign.ends_on is not None and campaign.ends_on < today)


def is_joinable(campaign: Campaign, today: date) -> tuple[bool, str | None]:
    """Whether an affiliate may join now, and if not a code from JOIN_REASON_MESSAGES."""
    if has_ended(campaign, today):
        return False, "ended"
    if campaign.status == "paused":
        return False, "paused"
    if campaign.starts_on is not None and campaign.starts_on > today:
        return False, "not_started"
    if campaign.max_affiliates is not None:
        approved = db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.campaign_id == campaign.id, Membership.status == "approved"))
        if approved >= campaign.max_affiliates:
            return False, "full"
    return True, None
