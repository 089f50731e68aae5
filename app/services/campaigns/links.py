"""Affiliates' tracking links: making them, their public URL, their figures, archiving them."""
import re
import secrets
import string
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import current_app
from flask_babel import lazy_gettext as _l
from loguru import logger
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.ids import is_id
from app.models.campaigns import Campaign, Membership
from app.models.common import utcnow
from app.models.tracking import Link
from app.services.analytics.periods import EARLIEST, Period
from app.services.analytics.reader import Reader
from app.services.analytics.scope import Filters, Scope
from app.services.analytics.sql import local_day_of
from app.services.common.errors import ServiceError
from app.services.common.lists import Page, paginate
from app.services.common.sorting import Sort, Sorts
from app.urls import is_allowed_destination

CODE_LENGTH = 10
CODE_ALPHABET = string.ascii_letters + string.digits
# A clash among 62**10 codes is very rare; a few fresh draws make a second one practically impossible.
CODE_ATTEMPTS = 5
LABEL_MAX = 120
SUB_ID_MAX = 100
SUB_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]+$")
PER_PAGE = 50


class LinkError(ServiceError):
    """The link could not be made."""


class NotApproved(LinkError):
    """You are not approved for this campaign."""

    field = "campaign"


class CampaignClosed(LinkError):
    """This campaign does not accept new links."""

    field = "campaign"


class DestinationNotAllowed(LinkError):
    """This address is not on one of the campaign's sites."""

    field = "destination_url"


class InvalidLabel(LinkError):
    """The label is too long."""

    field = "label"


class InvalidSubId(LinkError):
    """The sub-ID is not valid."""

    field = "sub_id"


class CodeUnavailable(LinkError):
    """No free link code could be found."""


def new_code() -> str:
    """A random link code: 10 characters of [A-Za-z0-9], about 59 bits."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def tracking_url(link: Link, base_url: str | None = None) -> str:
    """The public URL an affiliate shares: `/r/<code>`, with `sub1` and a deep link's `to` if set."""
    base = (base_url or current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    params = []
    if link.sub_id:
        params.append(("sub1", link.sub_id))
    if link.destination_url:
        params.append(("to", link.destination_url))
    url = f"{base}/r/{link.code}"
    if params:
        url += "?" + urlencode(params, safe="")
    return url


def _membership_status(campaign_id: int, affiliate_id: int) -> str | None:
    return db.session.scalar(select(Membership.status).where(
        Membership.campaign_id == campaign_id, Membership.affiliate_id == affiliate_id))


def _is_open(campaign: Campaign) -> bool:
    return campaign.status == "active" and not (campaign.ends_on and campaign.ends_on < utcnow().date())


def linkable_campaigns(affiliate_id: int) -> list[Campaign]:
    """Active campaigns the affiliate is approved for, by name: the ones a new link can be for."""
    today = utcnow().date()
    return list(db.session.scalars(
        select(Campaign)
        .join(Membership, Membership.campaign_id == Campaign.id)
        .where(Membership.affiliate_id == affiliate_id, Membership.status == "approved",
               Campaign.status == "active", (Campaign.ends_on.is_(None)) | (Campaign.ends_on >= today))
        .order_by(Campaign.name, Campaign.id)
    ))


def check_can_link(affiliate_id: int, campaign_id: int | None) -> Campaign:
    """The campaign, if the affiliate may make a new link for it now; otherwise a `LinkError` saying why."""
    # Ids from a form can be anything; one outside the id column's range names no campaign.
    campaign = db.session.get(Campaign, campaign_id) if is_id(campaign_id) else None
    status = _membership_status(campaign.id, affiliate_id) if campaign else None
    if status == "pending":
        raise NotApproved(_l("Your application to this campaign is still waiting for the merchant's approval."))
    if status == "removed":
        raise NotApproved(_l("You were removed from this campaign, so you cannot make new links for it."))
    if status == "rejected":
        raise NotApproved(_l("Your application to this campaign was not accepted."))
    if status != "approved":
        raise NotApproved(_l("You can make links only for campaigns you have been approved for. "
                             "Join the campaign first."))
    if campaign.status == "paused":
        raise CampaignClosed(_l("This campaign is paused; new links cannot be made until it resumes."))
    if not _is_open(campaign):
        raise CampaignClosed(_l("This campaign has ended; new links cannot be made."))
    return campaign


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _check_destination(campaign: Campaign, url: str | None) -> None:
    if url is None:
        return
    hosts = campaign.allowed_host_list
    if not hosts:
        raise DestinationNotAllowed(_l("This campaign does not allow deep links. Leave the destination empty "
                                       "to send visitors to its landing page."))
    if not is_allowed_destination(url, hosts):
        raise DestinationNotAllowed(_l("Enter a full http:// or https:// address on one of this campaign's "
                                       "sites: %(hosts)s.", hosts=", ".join(hosts)))


def _check_label_and_sub_id(label: str | None, sub_id: str | None) -> None:
    if label is not None and len(label) > LABEL_MAX:
        raise InvalidLabel(_l("The label can be at most %(max)d characters.", max=LABEL_MAX))
    if sub_id is not None and (len(sub_id) > SUB_ID_MAX or not SUB_ID_PATTERN.match(sub_id)):
        raise InvalidSubId(_l("The sub-ID can be at most %(max)d characters of letters, digits, "
                              "'_', '-' and '.'.", max=SUB_ID_MAX))


def create_link(affiliate_id: int, campaign_id: int | None, destination_url: str | None = None,
                label: str | None = None, sub_id: str | None = None) -> Link:
    """Make a tracking link for an approved affiliate of an active campaign."""
    destination_url, label, sub_id = _clean(destination_url), _clean(label), _clean(sub_id)
    campaign = check_can_link(affiliate_id, campaign_id)
    _check_destination(campaign, destination_url)
    _check_label_and_sub_id(label, sub_id)
    campaign_id = campaign.id
    for attempt in range(1, CODE_ATTEMPTS + 1):
        link = Link(code=new_code(), campaign_id=campaign_id, affiliate_id=affiliate_id,
                    destination_url=destination_url, label=label, sub_id=sub_id)
        db.session.add(link)
        try:
            db.session.commit()
        except IntegrityError:
            # The unique constraint on the code is the only check that holds under concurrency.
            db.session.rollback()
            logger.warning("link code clash for affiliate {} (attempt {}), drawing another", affiliate_id, attempt)
            continue
        logger.info("link {} made by affiliate {} for campaign {}", link.id, affiliate_id, campaign_id)
        return link
    raise CodeUnavailable(_l("The link could not be made just now. Please try again."))


def archive_link(link: Link) -> Link:
    """Hide a link from the active list; it keeps working for visitors who already have it."""
    if link.archived_at is None:
        link.archived_at = utcnow()
        db.session.commit()
        logger.info("link {} archived by affiliate {}", link.id, link.affiliate_id)
    return link


def mark_copied(link: Link) -> bool:
    """Remember that the affiliate copied `link` (only the first time counts); whether this was the first."""
    result = db.session.execute(update(Link).where(Link.id == link.id, Link.copied_at.is_(None))
                                .values(copied_at=utcnow()))
    db.session.commit()
    if result.rowcount:
        logger.info("link {} copied for the first time by affiliate {}", link.id, link.affiliate_id)
    return bool(result.rowcount)


def restore_link(link: Link) -> Link:
    """Bring an archived link back to the active list."""
    if link.archived_at is not None:
        link.archived_at = None
        db.session.commit()
        logger.info("link {} restored by affiliate {}", link.id, link.affiliate_id)
    return link


@dataclass
class LinkRow:
    """A link with its public URL and figures, as the links page shows it."""

    link: Link
    url: str
    clicks: int = 0
    conversions: int = 0
    earnings: dict[str, int] = field(default_factory=dict)


def link_rows(links: list[Link], zone_name: str) -> list[LinkRow]:
    """The links with their lifetime unique clicks, conversions and earnings, from the daily rollup.

    Conversions count every conversion not rejected that came through the link (its click may be
    gone); earnings are what the pending and approved ones pay, commission less reversals, per
    currency. The figures are read through the affiliates' rollup index, so a link with a million
    clicks costs what one with ten does.
    """
    ids = [link.id for link in links]
    rows = {link.id: LinkRow(link=link, url=tracking_url(link)) for link in links}
    if not ids:
        return []
    ever = Period(EARLIEST, local_day_of(utcnow(), zone_name))
    only = {"link_id": ids, "affiliate_id": sorted({link.affiliate_id for link in links})}
    with Reader(Scope("admin", 0), Filters(currency=None), zone_name) as reader:
        figures = reader.grouped(("link_id", "currency"), ever, ("unique_clicks", "conversions", "rejected",
                                                                 "commission"), only=only)
    for (link_id, currency), values in sorted(figures.items(), key=lambda item: item[0][1]):
        row = rows[link_id]
        row.clicks += values["unique_clicks"]
        row.conversions += values["conversions"] - values["rejected"]
        if values["conversions"] - values["rejected"]:
            row.earnings[currency] = values["commission"]
    return [rows[i] for i in ids]


# A link is named by its label, else by its campaign's name. Its figures come from the rollup a page at a
# time, so they cannot order the list.
LINK_SORTS = Sorts({"created": (Link.created_at,),
                    "link": (func.lower(func.coalesce(func.nullif(Link.label, ""), Campaign.name)),)},
                   default="created", tie=Link.id)


def list_links(affiliate_id: int, zone_name: str, *, archived: bool = False, page: int = 1,
               per_page: int = PER_PAGE, sort: Sort = Sort("created")) -> tuple[Page, list[LinkRow]]:
    """One page of the affiliate's active (or archived) links, newest first unless `sort` says otherwise, and
    their rows with figures."""
    query = (select(Link).join(Campaign, Campaign.id == Link.campaign_id).options(joinedload(Link.campaign))
             .where(Link.affiliate_id == affiliate_id,
                    Link.archived_at.is_not(None) if archived else Link.archived_at.is_(None))
             .order_by(*LINK_SORTS.order_by(sort)))
    pagination = paginate(query, page, per_page)
    return pagination, link_rows(pagination.items, zone_name)


def link_counts(affiliate_id: int) -> dict[str, int]:
    """How many active and archived links the affiliate has."""
    total, archived = db.session.execute(
        select(func.count(Link.id), func.count(Link.archived_at)).where(Link.affiliate_id == affiliate_id)
    ).one()
    return {"active": total - archived, "archived": archived}
