"""People-facing names of stored codes (statuses, roles, methods), in the reader's language."""
from functools import lru_cache

from babel import Locale
from flask_babel import get_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l

LABELS = {
    # roles
    "admin": _l("Admin"), "merchant": _l("Merchant"), "affiliate": _l("Affiliate"),
    # campaign, membership, conversion and payout statuses
    "active": _l("Active"), "paused": lazy_pgettext("status", "Paused"), "ended": _l("Ended"),
    "pending": lazy_pgettext("status", "Pending"), "approved": _l("Approved"), "rejected": _l("Rejected"),
    "removed": _l("Removed"),
    "reversed": _l("Reversed"), "requested": lazy_pgettext("status", "Requested"), "processing": _l("Processing"),
    "paid": _l("Paid"), "failed": _l("Failed"), "cancelled": _l("Cancelled"),
    # commission types and join modes
    "percent": _l("Percentage"), "fixed": _l("Fixed amount"), "open": _l("Open"), "review": _l("Review"),
    # conversion sources
    "pixel": _l("Pixel"), "api": _l("API"), "postback": _l("Postback"), "stripe": _l("Stripe"),
    "manual": _l("Manual"),
    # what a campaign pays for, and how a conversion was credited to a click
    "sale": _l("A sale"), "lead": _l("A lead (sign-up)"), "last_click": _l("Last click"),
    # payout methods
    "bank_transfer": _l("Bank transfer"), "momo": _l("Momo"), "paypal": _l("PayPal"), "cash": _l("Cash"),
    "other": _l("Other"),
    # fraud signals on conversions and clicks
    "self_referral": _l("Self-referral"), "affiliate_ip": _l("Affiliate's own IP"),
    "fast_conversion": _l("Very fast conversion"), "bot_user_agent": _l("Bot user agent"),
    "click_flood": _l("Many clicks from one IP"),
    # ledger entry kinds
    "commission": _l("Commission"), "reversal": _l("Reversal"), "payout_reserve": _l("Reserved for payout"),
    "payout_release": _l("Released from payout"), "adjustment": _l("Adjustment"),
    # account status
    "disabled": _l("Disabled"),
    # webhook deliveries
    "delivered": _l("Delivered"),
    # Stripe: an affiliate's account, a payout run, what a run did with one request
    "stripe_not_started": _l("Not started"), "stripe_details_needed": _l("Details needed"),
    "stripe_pending_verification": _l("Pending verification"), "stripe_ready": _l("Ready"),
    "stripe_restricted": _l("Restricted"),
    "run_queued": _l("Queued"), "run_running": _l("Running"), "run_finished": _l("Finished"),
    "item_queued": _l("Queued"), "item_sending": _l("Being sent"), "item_sent": _l("Sent"),
    "item_failed": _l("Refused"), "item_retry_later": _l("To be tried again"), "item_skipped": _l("Left waiting"),
}


def label(code: str | None) -> str:
    if code is None:
        return ""
    if code not in LABELS:
        return str(code)
    return _translated(code, get_locale())


@lru_cache(maxsize=1024)
def _translated(code: str, locale: Locale | None) -> str:
    """A label in one language, looked up once: lists show one for every row (~10 µs a lookup)."""
    return str(LABELS[code])


def init_app(app) -> None:
    app.jinja_env.filters["label"] = label
