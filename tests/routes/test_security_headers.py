"""Security headers and caching on every response: each role's pages, downloads, tracking, static files."""
import re

import pytest
from sqlalchemy import select

from app.config import ProductionConfig
from app.extensions import db
from app.models.tracking import Link
from tests.app_helpers import other_app
from tests.sessions import sign_in
from tests.site_map import ROLES, get_rules, pages_for, seed_site

INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in filter(None, (p.strip() for p in policy.split(";"))):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_page_headers(response, where: str) -> None:
    headers = response.headers
    policy = directives(headers.get("Content-Security-Policy", ""))
    assert policy.get("frame-ancestors") == ["'none'"], where
    assert policy.get("default-src") == ["'self'"], where
    for kind in ("script-src", "style-src"):
        values = policy.get(kind, policy["default-src"])
        assert "'unsafe-inline'" not in values and "'unsafe-eval'" not in values, (where, kind, values)
    assert policy.get("object-src") == ["'none'"], where
    assert policy.get("base-uri") == ["'none'"], where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", where
    assert "camera=()" in headers.get("Permissions-Policy", ""), where
    assert "Strict-Transport-Security" not in headers, where  # plain HTTP, not production


@pytest.fixture
def site(app):
    return seed_site()


def _client_as(app, role, users):
    client = app.test_client()
    if role != "anonymous":
        sign_in(client, users[role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_each_role_has_the_security_headers_and_is_not_stored(app, site, role):
    client = _client_as(app, role, site)
    pages, _unreached = pages_for(client, site.get(role), include_non_pages=True)
    assert len(pages) >= (4 if role == "anonymous" else 8), [p.endpoint for p in pages]
    for page in pages:
        response = client.get(page.url)
        if page.endpoint == "static" or page.endpoint.startswith("tracking.aff_js"):
            continue
        if page.is_html:
            assert_page_headers(response, page.url)
        else:  # downloads and images keep a policy of their own, at least as strict
            assert "Content-Security-Policy" in response.headers, page.url
            assert response.headers.get("X-Content-Type-Options") == "nosniff", page.url
        assert response.headers.get("Cache-Control") == "no-store", page.url


def test_the_walk_reaches_every_page_of_the_url_map(app, site):
    """What the header, CSP and fuzz tests walk is the whole site: no page is left out."""
    reached, doors = set(), set()
    for role in ROLES:
        pages, _unreached = pages_for(_client_as(app, role, site), site.get(role),
                                      doors=doors if role != "anonymous" else None)
        reached |= {page.endpoint for page in pages}
    assert {rule.endpoint for rule in get_rules()} - reached - doors == set()


@pytest.mark.parametrize("role", ("affiliate", "merchant", "admin"))
def test_pages_carry_no_inline_script_handler_or_style(app, site, role):
    client = _client_as(app, role, site)
    pages, _unreached = pages_for(client, site[role])
    for page in (p for p in pages if p.is_html):
        html = client.get(page.url).get_data(as_text=True)
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE):
            found = pattern.search(html)
            assert found is None, f"{page.url}: {found.group(0)[:120]}"


def test_downloads_are_not_stored(app, site, client):
    sign_in(client, site["admin"])
    for url in ("/admin/audit/export", "/payouts/admin/export.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url


def test_click_redirect_keeps_the_referrer_policy_of_the_page_the_link_was_on(app, site, client):
    code = db.session.scalar(select(Link.code).where(Link.archived_at.is_(None)))
    response = client.get(f"/r/{code}", headers={"User-Agent": BROWSER})
    assert response.status_code == 302
    # No Referrer-Policy here: the merchant sees what the affiliate's own page lets through.
    assert "Referrer-Policy" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_tracking_resources_stay_loadable_by_shops(client):
    script = client.get("/t/aff.js")
    assert script.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "public" in script.headers["Cache-Control"]
    pixel = client.get("/t/conversion.gif")
    assert pixel.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert pixel.headers["Cache-Control"] == "no-store"


def test_static_files_have_content_hashed_names_and_are_cached_long(client):
    html = client.get("/auth/sign-in").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert links, "the page loads no static file"
    for url in links:
        assert re.search(r"\.[0-9a-f]{8,}\.(css|js)$", url), f"{url} has no content hash in its name"
        response = client.get(url)
        assert response.status_code == 200, url
        assert "max-age=31536000" in response.headers["Cache-Control"], url
        assert "immutable" in response.headers["Cache-Control"], url
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_static_file_asked_for_by_its_plain_name_is_not_cached_for_long(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_a_stale_hash_is_served_but_not_cached_for_long(client):
    response = client.get("/static/css/app.0123456789ab.css")
    assert response.status_code in (200, 404)
    assert "immutable" not in response.headers.get("Cache-Control", "")


class SecureProduction(ProductionConfig):
    SECRET_KEY = "a-long-random-production-secret-for-tests"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    REDIS_URL = ""
    LOG_FILE = ""
    CLICK_BUFFER_DURABILITY = "accept-loss"


def test_hsts_in_production_over_https_only(base_app):
    with other_app(base_app, SecureProduction) as production:
        client = production.test_client()
        secure = client.get("/auth/sign-in", base_url="https://affiliates.example")
        assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        plain = client.get("/auth/sign-in", base_url="http://affiliates.example")
        assert "Strict-Transport-Security" not in plain.headers
