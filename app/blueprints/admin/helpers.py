"""Pieces the admin views share: names of and links to audited objects, snapshot values in a cell."""
import json

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

# The page that shows each kind of audited object; a link appears only once that page exists.
OBJECT_ENDPOINTS = {
    "conversions": "conversions.detail",
    "payout_requests": "payouts.admin_detail",
    "campaigns": "campaigns.detail",
    "users": "admin.user_detail",
    "affiliate_profiles": "admin.user_detail",  # a profile's id is its user's id
    "merchant_profiles": "admin.user_detail",
}
OBJECT_NAMES = {
    "conversions": _l("Conversion"), "payout_requests": _l("Payout request"), "campaigns": _l("Campaign"),
    "users": _l("User"), "memberships": _l("Membership"), "api_keys": _l("API key"), "refunds": _l("Refund"),
    "ledger_entries": _l("Ledger entry"), "links": _l("Link"), "affiliate_profiles": _l("Affiliate profile"),
    "merchant_profiles": _l("Merchant profile"),
}


def object_name(object_type: str) -> str:
    return str(OBJECT_NAMES.get(object_type, object_type))


def object_url(object_type: str, object_id: str | None) -> str | None:
    """The page of an audited object, if this app has one for its type."""
    endpoint = OBJECT_ENDPOINTS.get(object_type)
    if not endpoint or endpoint not in current_app.view_functions or not (object_id or "").isdigit():
        return None
    for rule in current_app.url_map.iter_rules(endpoint):
        if len(rule.arguments) == 1 and "GET" in (rule.methods or ()):
            try:
                return url_for(endpoint, **{next(iter(rule.arguments)): int(object_id)})
            except BuildError:
                return None
    return None


def short(value, limit: int = 60) -> str:
    """A snapshot value in a table cell: JSON-ish, cut to `limit` characters."""
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
