"""Signing in and out, the language picker, and the affiliate dashboard's layout, in a real browser."""
import re

import pytest
from flask import url_for

from app.navigation import nav_for
from tests import factories
from tests.browser.conftest import DESKTOP, screenshot_path
from tests.browser.helpers import sign_in

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

HEADINGS = {"admin": "Admin dashboard", "merchant": "Merchant dashboard", "affiliate": "Affiliate dashboard"}
PHONE = {"width": 390, "height": 844}
# The language picker's width on the page, and the width it would take if nothing squeezed it.
_SELECT_WIDTHS = """() => {
  const select = document.querySelector("#lang-select"), probe = select.cloneNode(true);
  probe.style.cssText = "position: absolute; width: auto; flex: none; visibility: hidden";
  select.parentNode.append(probe);
  const widths = [select.getBoundingClientRect().width, probe.getBoundingClientRect().width];
  probe.remove();
  return widths;
}"""


@pytest.mark.parametrize("role", ["admin", "merchant", "affiliate"])
def test_each_role_signs_in_to_its_own_dashboard(app, browser_page, live_url, role):
    page = browser_page
    user = factories.make_user(role)
    with app.test_request_context():
        expected_nav = [(url_for(endpoint), str(label)) for endpoint, label in nav_for(role)]

    sign_in(page, live_url, user.email, factories.PASSWORD)

    expect(page).to_have_url(f"{live_url}/home/{role}")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[role])
    expect(page.locator("#flashes")).to_contain_text("Signed in.")
    expect(page.locator(".whoami")).to_have_text(f"{user.display_name} · {role.title()}")
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    expect(links).to_have_text([label for _, label in expected_nav])
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [h for h, _ in expected_nav]
    assert "Dashboard" in [label for _, label in expected_nav]


def test_wrong_password_shows_the_error_beside_the_field(app, browser_page, live_url):
    page = browser_page
    user = factories.make_user("affiliate")

    sign_in(page, live_url, user.email, "not the right password")

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    password_field = page.locator(".field").filter(has=page.locator("#password"))
    expect(password_field.locator(".error")).to_have_text("Wrong email or password.")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-describedby", "password-error")
    expect(page.get_by_label("Email", exact=True)).to_have_value(user.email)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_sign_out_ends_the_session(app, browser_page, live_url):
    page = browser_page
    user = factories.make_user("merchant")
    sign_in(page, live_url, user.email, factories.PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Merchant dashboard")

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("#flashes")).to_contain_text("Signed out.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto(f"{live_url}/home/merchant")
    expect(page).to_have_url(re.compile(r"/auth/sign-in\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_language_picker_switches_to_vietnamese(app, browser_page, live_url):
    page = browser_page
    user = factories.make_user("affiliate")
    sign_in(page, live_url, user.email, factories.PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_label("Language").select_option("vi")

    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page).to_have_url(re.compile(r"/home/affiliate\??$"))
    expect(page.locator("#lang-select")).to_have_value("vi")
    # The choice stays for the next pages.
    page.goto(f"{live_url}/dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#lang-select")).to_have_value("vi")


def _affiliate_with_activity():
    affiliate = factories.make_user("affiliate", name="Nguyễn Thị Phương Thảo")
    coffee = factories.make_campaign(factories.make_user("merchant", company_name="Sài Gòn Coffee"),
                                     name="Cà phê rang xay Sài Gòn – ưu đãi dành cho khách hàng mới")
    books = factories.make_campaign(factories.make_user("merchant", company_name="Hanoi Books"),
                                    name="Imported books (USD)", currency="USD")
    gifts = factories.make_campaign(coffee.merchant, name="Hộp quà Tết", join_mode="review")
    factories.make_membership(gifts, affiliate, status="pending")
    for campaign, amounts in ((coffee, (1_250_000, 480_000, 2_000_000)), (books, (4_990, 12_900))):
        link = factories.make_link(campaign, factories.make_membership(campaign, affiliate).affiliate)
        for n, amount in enumerate(amounts):
            factories.make_conversion(factories.make_click(link), amount=amount,
                                      status="approved" if n % 2 else "pending")
    return affiliate


@pytest.mark.parametrize("device, viewport", [("phone", PHONE), ("desktop", DESKTOP)], ids=["phone", "desktop"])
def test_affiliate_dashboard_layout(app, chromium_browser, live_url, device, viewport):
    """Saves tests/browser/screenshots/affiliate-dashboard-<device>.png to look at, and checks the layout."""
    affiliate = _affiliate_with_activity()
    phone = device == "phone"
    context = chromium_browser.new_context(viewport=viewport, locale="en-US", is_mobile=phone, has_touch=phone)
    try:
        page = context.new_page()
        sign_in(page, live_url, affiliate.email, factories.PASSWORD)
        expect(page.get_by_role("heading", level=1)).to_have_text("Affiliate dashboard")
        expect(page.locator("#memberships tbody tr")).to_have_count(3)
        page.screenshot(path=screenshot_path(f"affiliate-dashboard-{device}"), full_page=True)

        # Nothing sticks out sideways: the page never scrolls horizontally.
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        for selector in (".topbar", "main", ".stats"):
            box = page.locator(selector).first.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5, selector
        nav = page.get_by_role("navigation", name="Main")
        if phone:
            # The menu folds behind its toggle until opened, by a tap or from the keyboard.
            expect(nav).to_be_hidden()
            page.locator(".nav-toggle-label").click()
            expect(nav).to_be_visible()
            page.screenshot(path=screenshot_path("affiliate-dashboard-phone-menu"), full_page=True)
            toggle = page.get_by_role("checkbox", name="Menu")
            toggle.focus()
            page.keyboard.press("Space")
            expect(nav).to_be_hidden()
            # Beside a long name, the language picker is not squeezed and "Sign out" stays on one line.
            width, natural_width = page.evaluate(_SELECT_WIDTHS)
            assert width >= natural_width - 0.5, "the language picker is cut off"
            assert page.get_by_role("button", name="Sign out").evaluate(
                "b => b.getBoundingClientRect().height < 1.5 * parseFloat(getComputedStyle(b).lineHeight)")
        else:
            expect(nav).to_be_visible()
            expect(page.locator(".nav-toggle-label")).to_be_hidden()
    finally:
        context.close()
