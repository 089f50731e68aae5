"""The desktop menu fits on one line at 1366 px, in Vietnamese as in English, for every role.

The header's first line holds the brand and the account (language, name, sign-out); the menu has the
line below to itself. A long name is cut with an ellipsis rather than pushing anything down.
"""
import pytest

from tests import factories
from tests.browser.helpers import sign_in, wait_for_htmx

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
# Where each menu item and the header's other parts sit: one line means one top for every item.
_LAYOUT = """() => {
  const box = el => el.getBoundingClientRect();
  const links = [...document.querySelectorAll(".mainnav a")].map(a => ({text: a.textContent.trim(),
      top: Math.round(box(a).top), height: Math.round(box(a).height), lines: a.getClientRects().length}));
  const header = box(document.querySelector(".topbar"));
  const middle = el => { const b = box(el); return Math.round(b.top + b.height / 2); };
  const parts = [".brand", ".account"].map(s => middle(document.querySelector(s)));
  const nav = box(document.querySelector(".mainnav"));
  return {links, header: Math.round(header.height), parts, scroll: document.documentElement.scrollWidth,
          navOverflow: document.querySelector(".mainnav").scrollWidth - Math.round(nav.width)};
}"""


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("role", ["admin", "merchant", "affiliate"])
def test_the_menu_stays_on_one_line(chromium_browser, live_url, role, locale):
    # The longest names the header shows next to the menu.
    user = factories.make_user(role, name="Nguyễn Thị Phương Thảo", locale=locale)
    context = chromium_browser.new_context(viewport=LAPTOP, locale="vi-VN" if locale == "vi" else "en-US")
    try:
        page = context.new_page()
        page.set_extra_http_headers({"Accept-Language": locale})
        sign_in(page, live_url, user.email, factories.PASSWORD) if locale == "en" else _sign_in_vi(page, live_url, user)
        page.goto(f"{live_url}/")
        wait_for_htmx(page)
        assert page.locator("html").get_attribute("lang") == locale
        layout = page.evaluate(_LAYOUT)
        links = layout["links"]
        assert links, "no menu"
        assert len({link["top"] for link in links}) == 1, f"the menu wraps: {links}"
        assert all(link["lines"] == 1 for link in links), f"a menu item wraps: {links}"
        first_line = layout["parts"]
        assert max(first_line) - min(first_line) < links[0]["height"], f"the header's first line wraps: {layout}"
        assert layout["navOverflow"] <= 1, f"the menu is wider than the page: {layout}"
        assert layout["scroll"] <= LAPTOP["width"], f"the page scrolls sideways: {layout}"
    finally:
        context.close()


def _sign_in_vi(page, live_url, user):
    page.goto(f"{live_url}/auth/sign-in")
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_label("Mật khẩu", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/auth/sign-in" not in url)
