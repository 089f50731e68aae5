"""Every list's filters, for every role: one form that behaves the same, remembered in the URL.

Each list page is opened with its filters (and a sort, where it has one) in the query string; the
filter controls must come back chosen and filled, the form must swap the list on change and on
submit, push the address and keep a submit button, and every link of the list to itself (pages,
sort headings) must keep the filters. A page with a GET form missing from `QUERIES` fails the walk.
"""
import html as html_text
import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.campaigns import Campaign, Membership
from app.models.common import utcnow
from app.models.conversions import Conversion
from app.models.money import LedgerEntry, PayoutRequest
from app.models.tracking import Click
from app.models.users import User
from app.services.campaigns.affiliate_figures import statuses_for
from tests.sessions import sign_in
from tests.site_map import pages_for, seed_site

GET_FORM = re.compile(r'<form\b[^>]*\bmethod="get"[^>]*>.*?</form>', re.S)
HREF = re.compile(r'<a\b[^>]*\bhref="(/[^"#]*)"')
# GET forms that are not a list's filters: the integration page picks whose snippets it shows.
NOT_LISTS = {"/integration"}
# Lists whose headings sort them whenever they have rows: their links must be there to be checked.
SORTED = {"/conversions/", "/conversions/mine", "/conversions/clicks", "/conversions/campaign-clicks", "/admin/audit",
          "/campaigns/", "/campaigns/directory", "/campaigns/affiliates", "/admin/users", "/payouts/admin",
          "/payouts/statement"}
POSITION = ("page", "older", "newer")
SORTING = ("sort", "order")


def _days(at, back=3, ahead=3):
    return {"date_from": (at - timedelta(days=back)).date().isoformat(),
            "date_to": (utcnow() + timedelta(days=ahead)).date().isoformat()}


def _owned_conversion(user):
    query = select(Conversion).order_by(Conversion.id)
    if user.role == "merchant":
        query = query.join(Campaign, Campaign.id == Conversion.campaign_id).where(Campaign.merchant_id == user.id)
    elif user.role == "affiliate":
        query = query.where(Conversion.affiliate_id == user.id)
    return db.session.scalars(query.limit(1)).one()


def _campaign_with_clicks(user):
    query = select(Click.campaign_id).group_by(Click.campaign_id).order_by(func.count().desc())
    if user.role == "merchant":
        query = query.join(Campaign, Campaign.id == Click.campaign_id).where(Campaign.merchant_id == user.id)
    elif user.role == "affiliate":
        query = query.where(Click.affiliate_id == user.id)
    return db.session.scalars(query.limit(1)).one()


def _conversions(user):
    conversion = _owned_conversion(user)
    affiliate = db.session.get(User, conversion.affiliate_id)
    return {"status": conversion.status, "campaign": str(conversion.campaign_id), "affiliate": affiliate.email,
            "source": conversion.source, **_days(conversion.created_at), "sort": "amount", "order": "asc"}


def _mine(user):
    conversion = _owned_conversion(user)
    return {"status": conversion.status, "campaign": str(conversion.campaign_id), **_days(conversion.created_at),
            "sort": "commission", "order": "asc"}


def _clicks(user):
    return {"campaign": str(_campaign_with_clicks(user)), "sort": "created", "order": "asc"}


def _campaigns(user):
    query = select(Campaign).order_by(Campaign.id)
    if user.role == "merchant":
        query = query.where(Campaign.merchant_id == user.id)
    campaign = db.session.scalars(query.limit(1)).one()
    return {"q": campaign.name.split()[0], "status": campaign.status, "sort": "commission", "order": "asc"}


def _directory(user):
    campaign = db.session.scalars(select(Campaign).where(Campaign.status == "active").order_by(Campaign.id)).first()
    return {"q": campaign.name.split()[0], "commission_type": campaign.commission_type, "sort": "name",
            "order": "desc"}


def _applications(user):
    query = select(Membership.campaign_id).where(Membership.status == "pending").order_by(Membership.id)
    if user.role == "merchant":
        query = query.join(Campaign, Campaign.id == Membership.campaign_id).where(Campaign.merchant_id == user.id)
    return {"campaign": str(db.session.scalars(query.limit(1)).one())}


def _analytics(user):
    conversion = _owned_conversion(user)
    return {"range": "90d", "campaign": str(conversion.campaign_id), "sub_id": "spring"}


def _audit(user):
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == user.id)
                               .order_by(AuditEvent.id.desc()).limit(1)).one()
    return {"actor": user.email, "action": event.action, "object_type": event.object_type,
            **_days(event.created_at), "order": "asc", "sort": "created"}


def _users(user):
    return {"q": "demo", "role": "affiliate", "status": "active", "sort": "email", "order": "asc"}


def _payouts(user):
    payout = db.session.scalars(select(PayoutRequest).order_by(PayoutRequest.id).limit(1)).one()
    return {"status": payout.status, "currency": payout.currency, **_days(payout.requested_at), "sort": "amount",
            "order": "asc"}


def _affiliates(user):
    status = statuses_for(user.role)[0]
    return {"q": "demo", "status": status, "days": "90", "sort": "clicks", "order": "asc"}


def _statement(user):
    entry = db.session.scalars(select(LedgerEntry).where(LedgerEntry.affiliate_id == user.id)
                               .order_by(LedgerEntry.id).limit(1)).one()
    return {"currency": entry.currency, "kind": entry.kind, **_days(entry.created_at), "sort": "amount",
            "order": "asc"}


def _reconcile(user):
    return {"days": "90"}


QUERIES = {
    "/conversions/": _conversions, "/conversions/mine": _mine, "/conversions/clicks": _clicks,
    "/conversions/campaign-clicks": _clicks, "/campaigns/": _campaigns, "/campaigns/directory": _directory,
    "/campaigns/applications": _applications, "/campaigns/affiliates": _affiliates, "/analytics/": _analytics,
    "/admin/audit": _audit, "/admin/users": _users, "/payouts/admin": _payouts, "/stripe/reconcile": _reconcile,
    "/payouts/statement": _statement,
}


def _tag_attrs(tag: str) -> dict:
    return {name: html_text.unescape(value) for name, value in re.findall(r'([\w:-]+)="([^"]*)"', tag)}


def _control_value(page_html: str, name: str, form_id: str):
    """What the page's control `name` of the filter form holds: the chosen option or the typed value."""
    select_match = re.search(rf'<select\b[^>]*\bname="{name}"[^>]*>(.*?)</select>', page_html, re.S)
    if select_match:
        chosen = [_tag_attrs(tag).get("value") for tag in re.findall(r"<option\b[^>]*>", select_match.group(1))
                  if re.search(r"\bselected\b", tag)]
        return chosen[0] if chosen else None
    for tag in re.findall(rf'<input\b[^>]*\bname="{name}"[^>]*>', page_html):
        attrs = _tag_attrs(tag)
        if attrs.get("form", form_id) == form_id:
            return attrs.get("value")
    return None


def _self_links(page_html: str, path: str) -> list[dict]:
    """The query of every link from the page back to its own list with a position or a sort (pages, headings)."""
    links = []
    for href in HREF.findall(page_html):
        url = urlsplit(html_text.unescape(href))
        args = dict(parse_qsl(url.query))
        if url.path == path and any(name in args for name in POSITION + SORTING):
            links.append(args)
    return links


@pytest.fixture
def site(app):
    return seed_site()


@pytest.mark.parametrize("role", ("affiliate", "merchant", "admin"))
def test_every_list_keeps_its_filters_in_its_form_and_its_links(app, site, role):
    client = app.test_client()
    user = site[role]
    sign_in(client, user)
    pages, _unreached = pages_for(client, user)
    checked = []
    for page in (p for p in pages if p.is_html):
        path = urlsplit(page.url).path
        if path in NOT_LISTS or not GET_FORM.search(client.get(page.url).get_data(as_text=True)):
            continue
        assert path in QUERIES, f"{path} has a filter form this test does not know"
        query = QUERIES[path](user)
        response = client.get(path, query_string=query)
        assert response.status_code == 200, path
        page_html = response.get_data(as_text=True)
        assert "Some filters were ignored" not in page_html, path

        form_tag = re.search(r'<form\b[^>]*\brole="search"[^>]*>', page_html).group(0)
        form = _tag_attrs(form_tag)
        assert (form["method"], form["action"], form["hx-get"]) == ("get", path, path), path
        assert re.fullmatch(r"change, (search, )?submit", form["hx-trigger"]), path
        assert (form["hx-push-url"], form["hx-sync"]) == ("true", "this:replace"), path
        whole_form = page_html[page_html.index(form_tag):]
        assert '<button type="submit"' in whole_form[:whole_form.index("</form>")], path

        for name, value in query.items():
            assert _control_value(page_html, name, form["id"]) == value, (path, name)

        filters = {name: value for name, value in query.items() if name not in SORTING}
        links = _self_links(page_html, path)
        for args in links:
            assert {name: args.get(name) for name in filters} == filters, (path, args)
            if any(name in args for name in POSITION):
                assert {name: args.get(name) for name in SORTING if name in query} == \
                    {name: query[name] for name in SORTING if name in query}, (path, args)
        assert links or path not in SORTED, f"{path}: no page or sort link to check"
        checked.append(path)
    expected = {"affiliate": {"/conversions/mine", "/conversions/clicks", "/campaigns/directory", "/analytics/",
                              "/payouts/statement"},
                "merchant": {"/conversions/", "/conversions/campaign-clicks", "/campaigns/", "/campaigns/applications",
                             "/campaigns/affiliates", "/analytics/"},
                "admin": {"/conversions/", "/admin/audit", "/admin/users", "/payouts/admin", "/stripe/reconcile"}}
    assert expected[role] <= set(checked), checked


@pytest.mark.parametrize(("role", "path"), [
    ("affiliate", "/conversions/mine"), ("affiliate", "/payouts/statement"), ("affiliate", "/analytics/"),
    ("merchant", "/conversions/"), ("merchant", "/conversions/export.csv"), ("admin", "/admin/audit"),
    ("admin", "/payouts/admin")])
def test_a_date_beyond_any_calendar_zone_is_refused_beside_its_field(client, login_as, role, path):
    login_as(role)
    queries = ({"date_from": "0001-01-01"}, {"date_to": "9999-12-31"}, {"range": "custom", "date_from": "0001-01-01"})
    for query in queries:
        response = client.get(path, query_string=query)
        assert response.status_code == 200, (path, query)
        if not path.endswith(".csv"):
            assert "Enter a date between 2000 and 2100." in response.get_data(as_text=True), (path, query)
