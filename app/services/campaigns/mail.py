"""The short emails sent when someone joins, leaves, or is approved, rejected or removed.

Called after the use case has committed. Each message is written in the recipient's language.
"""
from flask_babel import gettext as _
from loguru import logger

from app.models.campaigns import Membership
from app.services.accounts.notifications import APPLICATION_DECIDED, wants
from app.services.campaigns.landing_link import plain_link
from app.services.campaigns.links import tracking_url
from app.services.common import mail
from app.services.common.mail import absolute_url, in_language_of


def send_email(to: str, subject: str, body: str) -> None:
    # The decision is already committed; a mail queue hiccup must not turn it into an error page.
    try:
        mail.send_email(to, subject, body)
    except Exception:
        logger.exception("could not queue email subject={!r}", subject)


def _note(membership: Membership) -> str:
    if not membership.note:
        return ""
    return "\n\n" + _("Note from the merchant: %(note)s", note=membership.note)


def _link_lines(membership: Membership) -> str:
    """The affiliate's link to copy, then the campaign page where more links are made."""
    link = plain_link(membership.campaign_id, membership.affiliate_id)
    page = absolute_url("campaigns.view", campaign_id=membership.campaign_id) + "#tracking-link"
    if link is None:
        return _("Make your tracking links here:\n%(page)s", page=page)
    return _("Your tracking link, ready to share:\n%(url)s\n\nMore links (to other pages, with a sub-ID):\n%(page)s",
             url=tracking_url(link), page=page)


def _to_merchant(membership: Membership, subject: str, body: str) -> None:
    send_email(membership.campaign.merchant.email, subject, body)


def joined(membership: Membership) -> None:
    affiliate, campaign = membership.affiliate, membership.campaign
    names = {"campaign": campaign.name, "merchant": campaign.merchant.display_name}
    with in_language_of(affiliate):
        if membership.status == "approved":
            send_email(affiliate.email, _("You joined %(campaign)s", **names), _(
                "You are now an affiliate of %(campaign)s by %(merchant)s.", **names)
                + "\n\n" + _link_lines(membership))
        else:
            send_email(affiliate.email, _("We received your application to %(campaign)s", **names), _(
                "Thank you for applying to %(campaign)s by %(merchant)s. The merchant will review your "
                "application and we will email you the decision.", **names))
    who = {"name": affiliate.name, "email": affiliate.email, "campaign": campaign.name}
    with in_language_of(campaign.merchant):
        if membership.status == "approved":
            _to_merchant(membership, _("%(name)s joined %(campaign)s", **who), _(
                "%(name)s (%(email)s) joined your campaign %(campaign)s. Your affiliates:\n%(link)s",
                link=absolute_url("campaigns.members", campaign_id=campaign.id), **who))
        else:
            _to_merchant(membership, _("New application for %(campaign)s", **who), _(
                "%(name)s (%(email)s) applied to join your campaign %(campaign)s. Review it here:\n%(link)s",
                link=absolute_url("campaigns.applications"), **who))


def left(membership: Membership, was_pending: bool) -> None:
    names = {"campaign": membership.campaign.name}
    with in_language_of(membership.affiliate):
        if was_pending:
            subject = _("You withdrew your application to %(campaign)s", **names)
            body = _("Your application to %(campaign)s is withdrawn. You can apply again at any time.", **names)
        else:
            subject = _("You left %(campaign)s", **names)
            body = _("You are no longer an affiliate of %(campaign)s. Your links still send visitors to the "
                     "merchant's page but no longer earn commission. You can join again at any time.", **names)
        send_email(membership.affiliate.email, subject, body)


def decided(membership: Membership) -> None:
    if not wants(membership.affiliate, APPLICATION_DECIDED):
        return
    names = {"campaign": membership.campaign.name}
    with in_language_of(membership.affiliate):
        if membership.status == "approved":
            subject = _("Your application to %(campaign)s was approved", **names)
            body = _("Welcome to %(campaign)s!", **names) + "\n\n" + _link_lines(membership)
        else:
            subject = _("Your application to %(campaign)s was not accepted", **names)
            body = _("The merchant decided not to accept your application to %(campaign)s.", **names)
        send_email(membership.affiliate.email, subject, body + _note(membership))


def removed(membership: Membership) -> None:
    names = {"campaign": membership.campaign.name}
    with in_language_of(membership.affiliate):
        send_email(membership.affiliate.email, _("You were removed from %(campaign)s", **names), _(
            "The merchant removed you from %(campaign)s. Your links still send visitors to the merchant's "
            "page but no longer earn commission.", **names) + _note(membership))
