"""Pieces the admin views share: partial-or-page answers, the client's address, links to audited objects."""
import json

from flask import current_app, make_response, render_template, request, url_for
from flask_babel import get_timezone
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


def client_ip() -> str:
    return request.remote_addr or "-"


def page_arg() -> int:
    return request.args.get("page", 1, type=int) or 1


def display_timezone() -> str:
    return str(get_timezone())


def wants_partial() -> bool:
    """An htmx request for a piece of the page (boosted navigation and history restores need it all)."""
    headers = request.headers
    return (headers.get("HX-Request") == "true" and not headers.get("HX-Boosted")
            and not headers.get("HX-History-Restore-Request"))


def respond(full: str, partial: str, **context):
    """One URL, two answers: the partial for htmx, the whole page otherwise."""
    response = make_response(render_template(partial if wants_partial() else full, **context))
    response.vary.add("HX-Request")
    return response


def read_form(form) -> dict:
    """The values of a filter form bound to the query string; a field that does not validate counts as empty.

    Its error stays on the field, so the page shows it beside the field.
    """
    form.validate()
    return {name: (None if field.errors else field.data) for name, field in form._fields.items()}


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
