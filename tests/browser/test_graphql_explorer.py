"""The development GraphQL explorer runs under the app's Content-Security-Policy and uses the session."""
import pytest

from app.blueprints.graphql import schema
from tests import factories
from tests.browser.helpers import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.__cspViolations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline'));
});
"""


@pytest.fixture
def explorer_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "GRAPHQL_EXPLORER", True)
    monkeypatch.setitem(app.extensions, "graphql_schema", schema.build(app.config))


def test_the_explorer_answers_a_query_as_the_signed_in_person(app, live_url, browser_page, explorer_on):
    merchant = factories.make_user("merchant")
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, live_url, merchant.email, PASSWORD)
    page.goto(f"{live_url}/graphql")
    page.wait_for_selector(".graphiql-container")
    answer = page.evaluate("""() => fetch('/graphql', {method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json',
                  'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify({query: '{ me { id role } }'})}).then(response => response.json())""")
    assert answer["data"]["me"] == {"id": merchant.id, "role": "merchant"}
    # The explorer itself introspected the schema through the same session.
    assert page.locator(".graphiql-container").is_visible()
    blocked = [v for v in page.evaluate("window.__cspViolations") if not v.startswith(("font-src", "img-src"))]
    assert blocked == []
