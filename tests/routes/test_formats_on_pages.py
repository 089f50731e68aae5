"""Every page, in Vietnamese and in English, shows numbers, money, dates and times the reader's way.

The site is walked as each role (see tests/site_map.py). Only what a person reads is checked: text
between tags, not attributes (a <time datetime="…"> keeps its ISO value for machines) nor code
samples (<pre>, <code>), scripts or form fields. A Vietnamese page must also not leak the codes and
English the code builds: event codes, "Order …" memos, "last_click", the IANA id of the zone.
"""
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.users import AffiliateProfile
from tests.sessions import sign_in
from tests.site_map import ROLES, pages_for, seed_site

SKIPPED = {"script", "style", "pre", "code", "textarea", "select", "option"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Examples pages spell out on purpose: the two date forms a bank results file may use, and amounts as the
# API takes them (whole minor units, "150000 for 150.000 ₫").
EXAMPLES = ("2024-05-31", "31/05/2024", "150000", "1999")
# The API reference documents the schema's own limits and JSON examples, for programs rather than people.
NOT_READ = ("/api/docs",)
ISO_MOMENT = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?\b")
WITH_SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")
UTC = re.compile(r"\bUTC\b|\+00:00")
# Five digits or more without grouping, not part of a code ("HNB-10107", "FT-1", "#12", a phone number).
RAW_NUMBER = re.compile(r"(?<![\w\-#./:+@•])\d{5,}(?![\w\-.,/@])")
ENGLISH_DECIMAL = re.compile(r"(?<![\w.,])\d{1,3}\.\d{1,2}(?![\d.])")  # "7.5", "19.99" on a Vietnamese page
VIETNAMESE_DECIMAL = re.compile(r"(?<![\w.,])\d{1,3},\d{1,2}(?![\d,])")  # "7,5" on an English page
LEAKS = {
    "event code": re.compile(r"\b(?:payout|conversion|campaign|membership|user|stripe|api_key|merchant|ledger|"
                             r"payout_details|account)\.[a-z_]{3,}\b"),
    "English memo": re.compile(r"\b(?:Order|Refund of order|Reversal of order|Payout request) [\w-]"),
    "attribution code": re.compile(r"last_click"),
    "field code": re.compile(r"\b[a-z]+_[a-z_]+:"),
    "zone id": re.compile(r"\b(?:Asia|Europe|America|Etc)/[A-Z][A-Za-z_]+"),
}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        # Machine values shown as such (user agents, account numbers) are set in class "code".
        if tag in VOID:
            return
        if self.depth or tag in SKIPPED or "code" in (dict(attrs).get("class") or "").split():
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth and tag not in VOID:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str, identifiers=()) -> str:
    """The text a person reads, without the examples and identifiers (account numbers) that are digits by nature."""
    parser = _Text()
    parser.feed(html)
    text = " | ".join(parser.parts).replace("\xa0", " ").replace("\u202f", " ")
    for example in (*EXAMPLES, *identifiers):
        text = text.replace(example, "")
    return text


def identifiers() -> list[str]:
    numbers = db.session.execute(select(AffiliateProfile.bank_account, AffiliateProfile.momo_phone)).all()
    return [number for row in numbers for number in row if number]


def problems(text: str, locale: str) -> list[str]:
    found = []
    checks = {"ISO date or time": ISO_MOMENT, "seconds": WITH_SECONDS, "UTC": UTC, "ungrouped number": RAW_NUMBER,
              "decimal mark of the other language": ENGLISH_DECIMAL if locale == "vi" else VIETNAMESE_DECIMAL}
    if locale == "vi":
        checks.update(LEAKS)
    for name, pattern in checks.items():
        for match in pattern.finditer(text):
            found.append(f"{name}: …{text[max(0, match.start() - 40):match.end() + 20]}…")
    return found


@pytest.fixture
def site(app):
    return seed_site()


def _client(app, role, users, locale):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    if role != "anonymous":
        users[role].locale = locale
        db.session.commit()
        sign_in(client, users[role])
    return client


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_formats_numbers_and_times_for_its_reader(app, site, role, locale):
    client = _client(app, role, site, locale)
    pages, _unreached = pages_for(client, site.get(role))
    html_pages = [page for page in pages if page.is_html and not page.url.startswith(NOT_READ)]
    assert html_pages
    found, known = {}, identifiers()
    for page in html_pages:
        html = client.get(page.url).get_data(as_text=True)
        if page.is_document:
            assert f'<html lang="{locale}">' in html, page.url
        wrong = problems(visible_text(html, known), locale)
        if wrong:
            found[page.url] = wrong[:5]
    assert not found, "\n".join(f"{url}: {wrong}" for url, wrong in found.items())


def test_the_checks_catch_what_they_are_meant_to():
    assert problems("Ngày 2026-12-04 lúc 14:30:05 UTC", "vi")[:3] == [
        "ISO date or time: …Ngày 2026-12-04 lúc 14:30:05 UTC…", "seconds: …Ngày 2026-12-04 lúc 14:30:05 UTC…",
        "UTC: …Ngày 2026-12-04 lúc 14:30:05 UTC…"]
    assert problems("Số dư 1250000", "vi") and problems("Tỷ lệ 7.5%", "vi") and problems("Rate 7,5%", "en")
    for leak in ("payout.requested", "Order HNB-10107", "last_click", "Asia/Ho_Chi_Minh", "proof_filename: a.png"):
        assert problems(leak, "vi"), leak
    for fine in ("05/12/2026 14:30", "1.250.000 ₫", "7,5%", "HNB-10107", "#12", "Đơn hàng HNB-10107", "FT-10233"):
        assert not problems(fine, "vi"), fine
    assert not problems("Dec 5, 2026, 2:30 PM · ₫1,250,000 · 19.99 US$ · Order HNB-10107", "en")
