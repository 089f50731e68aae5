"""No dead ends: every link a page shows its reader opens for that reader (no 403, 404 or error)."""
import re
from urllib.parse import urlsplit

import pytest

from tests.sessions import sign_in
from tests.site_map import pages_for, seed_site

HREF = re.compile(r'<a\b[^>]*\bhref="(/[^"#]*)"')
# Links that are not pages to open: signing out ends the walk; /r/ is the visitor's redirect.
NOT_FOLLOWED = ("/auth/sign-out", "/r/", "/static/")


@pytest.fixture
def site(app):
    return seed_site()


def _links(html: str) -> set[str]:
    return {href.replace("&amp;", "&") for href in HREF.findall(html) if not href.startswith(NOT_FOLLOWED)}


@pytest.mark.parametrize("role", ("affiliate", "merchant", "admin"))
def test_every_link_on_every_page_opens_for_its_reader(app, site, role):
    client = app.test_client()
    sign_in(client, site[role])
    pages, _unreached = pages_for(client, site[role])
    targets: dict[str, str] = {}
    for page in (p for p in pages if p.is_html):
        for href in _links(client.get(page.url).get_data(as_text=True)):
            targets.setdefault(href, page.url)
    assert len(targets) >= 10, targets
    dead = []
    for href, found_on in sorted(targets.items()):
        status = client.get(href).status_code
        if status in (403, 404, 405) or status >= 500:
            dead.append(f"{found_on} -> {urlsplit(href).path} ({status})")
    assert dead == []
