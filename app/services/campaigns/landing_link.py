"""The affiliate's plain link to a campaign's landing page.

It is made in the same transaction that approves the affiliate (an open join or a merchant's
approval), so the page, the htmx answer and the email can show a link to copy at once instead of
sending the affiliate to a form.
"""
from loguru import logger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.campaigns import Campaign
from app.models.common import utcnow
from app.models.tracking import Link
from app.services.campaigns.links import CODE_ATTEMPTS, new_code


def plain_link(campaign_id: int, affiliate_id: int) -> Link | None:
    """The affiliate's oldest active link to the campaign's landing page with no label or sub-ID."""
    return db.session.scalar(
        select(Link).where(Link.campaign_id == campaign_id, Link.affiliate_id == affiliate_id,
                           Link.archived_at.is_(None), Link.destination_url.is_(None), Link.label.is_(None),
                           Link.sub_id.is_(None))
        .order_by(Link.created_at, Link.id).limit(1))


def _accepts_links(campaign: Campaign) -> bool:
    return campaign.status == "active" and not (campaign.ends_on and campaign.ends_on < utcnow().date())


def add_plain_link(campaign: Campaign, affiliate_id: int) -> Link | None:
    """Add (without committing) the affiliate's plain link unless they have one or the campaign is closed.

    Each attempt runs in a savepoint, so a code clash is retried without undoing the approval around it.
    """
    if not _accepts_links(campaign):
        return None
    existing = plain_link(campaign.id, affiliate_id)
    if existing is not None:
        return existing
    for attempt in range(1, CODE_ATTEMPTS + 1):
        link = Link(code=new_code(), campaign_id=campaign.id, affiliate_id=affiliate_id)
        try:
            with db.session.begin_nested():
                db.session.add(link)
        except IntegrityError:
            logger.warning("link code clash for affiliate {} (attempt {}), drawing another", affiliate_id, attempt)
            continue
        return link
    # The approval stands; the affiliate can still make a link with the form.
    logger.error("no free link code for affiliate {} in campaign {}", affiliate_id, campaign.id)
    return None
