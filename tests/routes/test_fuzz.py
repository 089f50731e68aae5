"""Hostile input never makes the app fail: no 5xx from any form, query parameter or API field.

Every page of each role is found from the URL map (tests/site_map.py); each form on it is sent back
with every field set to each hostile value (NUL, 10,000 characters, right-to-left marks and emoji,
huge and negative numbers, wrong types), each page is asked for with its filter parameters and
`page` set to them and given twice, and the API, the pixel, the postback and the click URL get the
same. Bounded: a fixed list of values, one request per form and value; about a minute on Postgres.
"""
import json
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.campaigns import Campaign
from app.models.conversions import Conversion
from app.models.tracking import Click
from app.services.accounts.api_keys import create_key
from tests.sessions import sign_in
from tests.site_map import ROLES, pages_for, seed_site

HOSTILE = (
    "\x00", "a\x00b", "x" * 10_000, "\u202eevil\u202c עברית", "😀🇻🇳", "-1", "-99999999999999999999999",
    "99999999999999999999999999999", "1e309", "NaN", "0x1F", "9" * 400, "2026-13-45", " ",
    "PK\x03\x04 not a workbook",  # in a file field: the start of a zip archive, read as an Excel upload
)
# Sent to one field at a time: a short list, since it is tried on every field of every form.
ONE_FIELD = ("a\x00b", "9" * 30, "-" + "9" * 30, "x" * 10_000)
JSON_HOSTILE = ("\x00", "x" * 10_000, 10**30, -(10**30), -1, 1.5, float("1e300"), True, None, [], {"a": 1},
                "😀", "")
# Whatever these answer, the client's session or data may end there (a password reset or change signs
# every session out); they are sent last.
LAST = ("sign_out", "delete", "disable", "revoke", "leave", "remove", "archive", "cancel", "/auth/reset",
        "/settings/password", "/settings/sessions", "/settings/email")


class Forms(HTMLParser):
    """The forms of a page: action, method and each field's (type, value as the page fills it in)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._token = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "meta" and name == "csrf-token":
            self._token = attrs.get("content") or ""
        if tag == "button" and attrs.get("data-copy-report"):
            # A copy button's script posts to this URL with the page's CSRF token and nothing else.
            self.forms.append({"action": attrs["data-copy-report"], "method": "post", "hx_post": None,
                               "fields": {"csrf_token": ("hidden", self._token)}})
        if tag == "form":
            self._open = {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                          "fields": {}, "hx_post": attrs.get("hx-post")}
            self.forms.append(self._open)
        elif tag in ("button", "input") and attrs.get("hx-post") and not name and self._open is None:
            self.forms.append({"action": attrs["hx-post"], "method": "post", "fields": {}, "hx_post": None})
        if self._open is None:
            return
        fields = self._open["fields"]
        if tag == "input" and name:
            kind = attrs.get("type") or "text"
            if kind in ("radio", "checkbox") and "checked" not in attrs:
                fields.setdefault(name, (kind, None))
            else:
                fields[name] = (kind, attrs.get("value") or ("y" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            fields[name] = ("select", None)
        elif tag == "option" and self._select:
            kind, chosen = fields[self._select]
            if chosen is None or "selected" in attrs:
                fields[self._select] = (kind, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ("textarea", "")

    def handle_data(self, data):
        if self._textarea and self._open is not None:
            kind, text = self._open["fields"][self._textarea]
            self._open["fields"][self._textarea] = (kind, text + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(html: str, page_url: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    for form in parser.forms:
        action = form["hx_post"] or form["action"] or page_url
        form["action"] = urlsplit(action).path if action.startswith("http") else action
        if form["hx_post"]:
            form["method"] = "post"
    return parser.forms


def _body(form: dict, value: str, only: str | None = None) -> dict:
    """The form with every field (or only the field `only`) set to `value`, the others as the page filled them."""
    body = {}
    for name, (kind, original) in form["fields"].items():
        if name == "csrf_token" or (only is not None and name != only):
            if original is not None and kind != "file":
                body[name] = original
        elif kind == "file":
            body[name] = (BytesIO(value.encode("utf-8", "replace")[:20_000]), value[:200] or "x")
        else:
            body[name] = value
    return body


class Failures(list):
    def check(self, response, what: str) -> None:
        if response.status_code >= 500:
            self.append(f"{response.status_code} {what}")


def _fuzz_pages(client, pages, failures: Failures) -> list[dict]:
    posts = {}
    for page in pages:
        html = client.get(page.url).get_data(as_text=True) if page.is_html else ""
        forms = forms_of(html, page.url)
        names = {"page", "q"} | {n for f in forms if f["method"] == "get" for n in f["fields"]}
        base = page.url.split("?")[0]
        for value in HOSTILE:
            query = urlencode({name: value for name in names})
            failures.check(client.get(f"{base}?{query}"), f"GET {base} {sorted(names)}={value[:20]!r}")
        doubled = urlencode([(name, value) for name in names for value in ("1", HOSTILE[6])])
        failures.check(client.get(f"{base}?{doubled}"), f"GET {base} duplicated parameters")
        for form in forms:
            if form["method"] == "post":
                posts.setdefault(form["action"], form)
    return sorted(posts.values(), key=lambda f: any(word in f["action"].replace("-", "_") for word in LAST))


def _fuzz_forms(client, forms, failures: Failures) -> None:
    for form in forms:
        for value in HOSTILE:
            response = client.post(form["action"], data=_body(form, value), content_type="multipart/form-data")
            failures.check(response, f"POST {form['action']} every field={value[:20]!r}")
        # One field at a time, the others as the page filled them in (an edit form is valid as it is),
        # so a value gets past the other fields' checks to the service and the database.
        for name in form["fields"]:
            if name == "csrf_token":
                continue
            for value in ONE_FIELD:
                response = client.post(form["action"], data=_body(form, value, only=name),
                                       content_type="multipart/form-data")
                failures.check(response, f"POST {form['action']} {name}={value[:20]!r}")
        # Wrong shape: each field twice, one of them hostile.
        doubled = [(name, v) for name in form["fields"] for v in (HOSTILE[6], HOSTILE[2])
                   if name != "csrf_token"] + [("csrf_token", form["fields"].get("csrf_token", ("", ""))[1])]
        response = client.post(form["action"], data=urlencode(doubled),
                               content_type="application/x-www-form-urlencoded")
        failures.check(response, f"POST {form['action']} duplicated fields")


@pytest.mark.parametrize("role", ROLES)
def test_no_form_or_query_parameter_makes_a_page_fail(app, role):
    users = seed_site()
    client = app.test_client()
    if role != "anonymous":
        sign_in(client, users[role])
    pages, _unreached = pages_for(client, users.get(role))
    assert pages
    failures = Failures()
    forms = _fuzz_pages(client, pages, failures)
    _fuzz_forms(client, forms, failures)
    assert not failures, "\n".join(failures[:40])


def test_no_api_pixel_postback_or_click_input_makes_them_fail(app):
    users = seed_site()
    raw_key = create_key(users["merchant"].id, "Fuzz")[1]
    campaign = db.session.scalar(select(Campaign).where(Campaign.merchant_id == users["merchant"].id))
    click = db.session.scalar(select(Click).where(Click.campaign_id == campaign.id))
    conversion = db.session.scalar(select(Conversion).where(Conversion.campaign_id == campaign.id))
    client = app.test_client()
    auth = {"Authorization": f"Bearer {raw_key}"}
    valid = {"click_id": click.public_id, "order_id": "fuzz-1", "amount": 150000, "currency": campaign.currency}
    failures = Failures()
    for field in ("click_id", "order_id", "amount", "currency", "customer_email"):
        for value in JSON_HOSTILE:
            body = dict(valid, **{field: value})
            response = client.post("/api/v1/conversions", data=json.dumps(body), headers=auth,
                                   content_type="application/json")
            failures.check(response, f"API conversion {field}={value!r:.30}")
            refund = {"amount": value, "refund_id": value, "reason": value}
            response = client.post(f"/api/v1/conversions/{conversion.id}/refunds", data=json.dumps(refund),
                                   headers=auth, content_type="application/json")
            failures.check(response, f"API refund {value!r:.30}")
    for raw in (b"\x00", b"{", b"[]", b'{"amount": 1e999999}', b'{"a": 1, "a": 2}', "😀".encode(), b"x" * 70_000):
        failures.check(client.post("/api/v1/conversions", data=raw, headers=auth, content_type="application/json"),
                       f"API body {raw[:20]!r}")
    names = ("campaign", "order_id", "amount", "currency", "click_id", "token", "to", "sub1")
    for value in HOSTILE:
        query = urlencode({name: value for name in names})
        for url in ("/t/conversion.gif", "/api/v1/postback", f"/r/{click.link.code}"):
            failures.check(client.get(f"{url}?{query}"), f"GET {url} every parameter={value[:20]!r}")
        failures.check(client.get(f"/r/{urlencode({'c': value})[2:]}"), f"GET /r/<code={value[:20]!r}>")
        failures.check(client.get(f"/conversions/{value[:40]}"), f"GET /conversions/<{value[:20]!r}>")
    assert not failures, "\n".join(failures[:40])
