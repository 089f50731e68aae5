"""Emails about conversions: a new one to its affiliate and its merchant, decisions to the affiliate.

Sent after the change is committed, in each reader's language, only to those who still want them
(their settings). A batch of decisions makes one email per affiliate, not one per conversion. A mail
queue hiccup is logged; the conversion is recorded or decided all the same.
"""
from collections import defaultdict

from flask_babel import gettext as _
from flask_babel import ngettext
from loguru import logger

from app.models.conversions import Conversion
from app.models.users import User
from app.money import format_money
from app.services.accounts.notifications import CONVERSION_DECIDED, NEW_CONVERSION, wants
from app.services.common.mail import absolute_url, in_language_of, send_email

# A batch email names this many conversions and counts the rest.
LISTED = 20


def _send(user: User, subject: str, body: str) -> None:
    try:
        send_email(user.email, subject, body)
    except Exception:
        logger.exception("could not queue conversion email to user {} subject={!r}", user.id, subject)


def recorded(conversion: Conversion) -> None:
    """A new conversion: its affiliate earns a pending commission, its merchant has one more to review."""
    campaign, affiliate = conversion.campaign, conversion.affiliate
    if wants(affiliate, NEW_CONVERSION):
        with in_language_of(affiliate):
            commission = format_money(conversion.commission, conversion.currency)
            subject = _("New conversion in %(campaign)s: %(commission)s", campaign=campaign.name,
                        commission=commission)
            body = _("Order %(order)s was credited to your link in %(campaign)s. Your commission of %(commission)s "
                     "waits for the merchant's approval.\n\nYour conversions: %(link)s", order=conversion.order_id,
                     campaign=campaign.name, commission=commission, link=absolute_url("conversions.mine"))
        _send(affiliate, subject, body)
    merchant = campaign.merchant
    if wants(merchant, NEW_CONVERSION):
        with in_language_of(merchant):
            subject = _("New conversion in %(campaign)s", campaign=campaign.name)
            body = _("%(affiliate)s brought order %(order)s (%(amount)s) in %(campaign)s; their commission is "
                     "%(commission)s.\n\nReview it here: %(link)s", affiliate=affiliate.name,
                     order=conversion.order_id, amount=format_money(conversion.amount, conversion.currency),
                     campaign=campaign.name, commission=format_money(conversion.commission, conversion.currency),
                     link=absolute_url("conversions.index"))
        _send(merchant, subject, body)


def _line(conversion: Conversion) -> str:
    line = "- " + _("order %(order)s in %(campaign)s: %(commission)s", order=conversion.order_id,
                    campaign=conversion.campaign.name,
                    commission=format_money(conversion.commission, conversion.currency))
    if conversion.status in ("rejected", "reversed") and conversion.reject_reason:
        line += " — " + _("reason: %(reason)s", reason=conversion.reject_reason)
    return line


def _subject(status: str, count: int) -> str:
    if status == "approved":
        return ngettext("%(num)d of your conversions was approved", "%(num)d of your conversions were approved",
                        count)
    if status == "rejected":
        return ngettext("%(num)d of your conversions was rejected", "%(num)d of your conversions were rejected",
                        count)
    return ngettext("%(num)d of your conversions was reversed", "%(num)d of your conversions were reversed", count)


def decided(conversions) -> None:
    """Tell each affiliate what was decided about their conversions: one email per affiliate and outcome."""
    groups = defaultdict(list)
    for conversion in conversions:
        if conversion.status in ("approved", "rejected", "reversed"):
            groups[(conversion.affiliate_id, conversion.status)].append(conversion)
    for (_affiliate_id, status), group in groups.items():
        affiliate = group[0].affiliate
        if not wants(affiliate, CONVERSION_DECIDED):
            continue
        with in_language_of(affiliate):
            lines = [_line(conversion) for conversion in group[:LISTED]]
            if len(group) > LISTED:
                lines.append(ngettext("and %(num)d more", "and %(num)d more", len(group) - LISTED))
            lines += ["", _("Your conversions: %(link)s", link=absolute_url("conversions.mine"))]
            subject = _subject(status, len(group))
        _send(affiliate, subject, "\n".join(lines))
