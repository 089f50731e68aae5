"""Every page of each role on a 390×844 phone: nothing scrolls sideways, and the page's first primary
action is within the screen's width."""
import pytest

from tests.browser.helpers import sign_in, wait_for_htmx
from tests.sessions import signed_in_client
from tests.site_map import DEMO_LOGINS, DEMO_PASSWORD, ROLES, pages_for, seed_site

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# What sticks out of the page sideways, if anything: the widest element beyond the viewport's right edge.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  let worst = null;
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    if (box.right > width + 1 && (!worst || box.right > worst.right)) {
      worst = {right: Math.round(box.right), tag: element.tagName.toLowerCase(),
               id: element.id, cls: element.className && String(element.className).slice(0, 60)};
    }
  }
  return worst || {right: document.documentElement.scrollWidth};
}"""
PRIMARY_OUTSIDE = """() => {
  const action = document.querySelector("main .button.primary, main button.primary");
  if (!action || !action.offsetParent) return false;
  const box = action.getBoundingClientRect();
  return box.left < 0 || box.right > document.documentElement.clientWidth + 1;
}"""


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_fits_a_phone(app, live_url, chromium_browser, role):
    users = seed_site()
    user = users.get(role)
    client = signed_in_client(app, user) if user else app.test_client()
    pages, _unreached = pages_for(client, user)
    pages = [p for p in pages if p.is_document]
    context = chromium_browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        if user:
            sign_in(page, live_url, DEMO_LOGINS[role], DEMO_PASSWORD)
        problems = []
        for target in pages:
            response = page.goto(live_url + target.url)
            assert response is not None and response.status == 200, target.url
            wait_for_htmx(page)
            overflow = page.evaluate(OVERFLOW)
            if overflow:
                problems.append(f"{target.url} scrolls sideways: {overflow}")
            if page.evaluate(PRIMARY_OUTSIDE):
                problems.append(f"{target.url}: the primary action is outside the screen")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
