"""Pieces the admin views share: names of and links to audited objects, snapshot values in a cell."""
import json

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

# The page that shows each kind of audited object, and the name of its id in that page's URL.
OBJECT_PAGES = {
    "conversions": ("conversions.detail", "conversion_id"),
    "payout_requests": ("payouts.admin_detail", "request_id"),
    "campaigns": ("campaigns.detail", "campaign_id"),
    "users": ("admin.user_detail", "user_id"),
    "affiliate_profiles": ("admin.user_detail", "user_id"),  # a profile's id is its user's id
    "merchant_profiles": ("admin.user_detail", "user_id"),
}
OBJECT_NAMES = {
    "conversions": _l("Conversion"), "payout_requests": _l("Payout request"), "campaigns": _l("Campaign"),
    "users": _l("User"), "memberships": _l("Membership"), "api_keys": _l("API key"),
    "refunds": lazy_pgettext("object type", "Refund"),
    "ledger_entries": _l("Ledger entry"), "links": _l("Link"), "affiliate_profiles": _l("Affiliate profile"),
    "merchant_profiles": _l("Merchant profile"),
}


def object_name(object_type: str) -> str:
    return str(OBJECT_NAMES.get(object_type, object_type))


def object_url(object_type: str, object_id: str | None) -> str | None:
    """The page of an audited object, for the kinds of object that have one."""
    page = OBJECT_PAGES.get(object_type)
    if page is None or not (object_id or "").isdigit():
        return None
    endpoint, argument = page
    return url_for(endpoint, **{argument: int(object_id)})


def event_currency(event, known: dict) -> str | None:
    """The currency an event's amounts are in: named in its snapshot, else its object's."""
    for snapshot in (event.after, event.before):
        if isinstance(snapshot, dict) and isinstance(snapshot.get("currency"), str):
            return snapshot["currency"]
    return known.get((event.object_type, event.object_id))


def short(value, limit: int = 60) -> str:
    """A snapshot value in a table cell: JSON-ish, cut to `limit` characters."""
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
