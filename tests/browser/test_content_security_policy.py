"""Every page of each role, loaded in Chromium with the Content-Security-Policy in force, breaks none of it.

A violation shows in the console ("Refused to …") and fires `securitypolicyviolation`; both are
collected, and any one fails the test with the page and what was refused.
"""
import pytest

from tests.browser.helpers import sign_in, wait_for_htmx
from tests.sessions import signed_in_client
from tests.site_map import DEMO_LOGINS, DEMO_PASSWORD, ROLES, pages_for, seed_site

pytestmark = pytest.mark.browser

# Runs before the page's own scripts: records what the policy refused.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.__cspViolations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline') + ' '
                              + (event.sourceFile || '') + ':' + (event.lineNumber || ''));
});
"""


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_satisfies_the_content_security_policy(app, live_url, browser_page, role):
    users = seed_site()
    user = users.get(role)
    client = signed_in_client(app, user) if user else app.test_client()
    pages, _unreached = pages_for(client, user)
    pages = [p for p in pages if p.is_document]
    assert len(pages) >= (3 if role == "anonymous" else 8), [p.endpoint for p in pages]

    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on("console", lambda message: console.append(message.text))
    if user:
        sign_in(page, live_url, DEMO_LOGINS[role], DEMO_PASSWORD)
    problems = []
    for target in pages:
        console.clear()
        response = page.goto(live_url + target.url)
        assert response is not None and response.status == 200, target.url
        assert "content-security-policy" in response.headers, target.url
        wait_for_htmx(page)
        refused = [text for text in console if "Content Security Policy" in text or text.startswith("Refused to")]
        recorded = page.evaluate("window.__cspViolations || []")
        if refused or recorded:
            problems.append(f"{target.endpoint} {target.url}: {refused + recorded}")
    assert not problems, "\n".join(problems)
