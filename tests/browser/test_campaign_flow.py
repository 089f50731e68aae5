"""The campaign flow end to end in a real browser, through the forms a person uses.

A merchant creates a review-mode campaign, an affiliate finds it and applies, the merchant approves
the application inline, and the affiliate makes a deep link, copies it and follows it.
Only the two accounts are made directly in the database; everything else goes through the pages.
"""
import re

import pytest

from tests import factories
from tests.browser.conftest import DESKTOP, TIMEOUT_MS, screenshot_path
from tests.browser.helpers import sign_in, wait_for_htmx

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

CAMPAIGN = "Lotus tea autumn"
LANDING = "https://shop.example/landing"
PRODUCT = "https://shop.example/product/1"
LINK_LABEL = "Autumn blog post"
# The list shows the full public URL: the configured base, the 10-character code, the deep link's `to`.
VISITOR_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                 "Chrome/130.0.0.0 Safari/537.36")
TRACKING_URL = re.compile(r"^https?://[^/]+/r/([A-Za-z0-9]{10})\?to=https%3A%2F%2Fshop\.example%2Fproduct%2F1$")


def mark_page(page):
    """Set a marker that a full page load would wipe out."""
    page.evaluate("window.__samePage = true")


def still_same_page(page) -> bool:
    return page.evaluate("window.__samePage === true")


def open_nav(page, name: str):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    wait_for_htmx(page)


def field_error(page, field_id: str):
    """The error shown beside a form field, tied to it by aria-describedby."""
    return page.locator(f"#{field_id}-error")


def merchant_creates_campaign(page, live_url) -> None:
    open_nav(page, "Campaigns")
    page.get_by_role("link", name="New campaign").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New campaign")

    page.get_by_label("Name", exact=True).fill(CAMPAIGN)
    page.get_by_label("Description", exact=True).fill("Green and lotus teas from Hanoi.")
    page.get_by_label("Landing page", exact=True).fill(LANDING)
    page.get_by_label("Percentage of the order amount").check()
    page.get_by_label("Rate (%)", exact=True).fill("100.01")
    page.get_by_label("Currency", exact=True).select_option("VND")
    page.get_by_label("Attribution window (days)").fill("45")
    page.get_by_label("Review: I approve each affiliate").check()
    expect(page.get_by_label("Fixed amount", exact=True)).to_be_hidden()
    page.get_by_role("button", name="Create campaign").click()

    rate = page.get_by_label("Rate (%)", exact=True)
    expect(field_error(page, "commission_rate")).to_have_text("Enter a rate from 0 to 100.")
    expect(rate).to_have_attribute("aria-invalid", "true")
    expect(rate).to_have_attribute("aria-describedby", "commission_rate-error")
    expect(rate).to_have_value("100.01")
    expect(page.get_by_label("Name", exact=True)).to_have_value(CAMPAIGN)
    expect(page.get_by_label("Description", exact=True)).to_have_value("Green and lotus teas from Hanoi.")
    expect(page.get_by_label("Landing page", exact=True)).to_have_value(LANDING)
    expect(page.get_by_label("Currency", exact=True)).to_have_value("VND")
    expect(page.get_by_label("Attribution window (days)")).to_have_value("45")
    expect(page.get_by_label("Review: I approve each affiliate")).to_be_checked()
    expect(page.get_by_label("Fixed amount", exact=True)).to_have_value("")
    expect(page.locator(".field .error")).to_have_count(1)

    rate.fill("12.5")
    page.get_by_role("button", name="Create campaign").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_url)}/campaigns/\d+$"))
    expect(page.locator("#flashes")).to_contain_text("Campaign created.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(CAMPAIGN)
    terms = page.locator("dl.terms")
    expect(terms).to_contain_text("12.5% of the order (VND)")
    expect(terms).to_contain_text("45 days")
    expect(terms).to_contain_text("Review")
    expect(terms).to_contain_text(LANDING)
    expect(terms).to_contain_text("shop.example")


def affiliate_applies(page) -> None:
    open_nav(page, "Find campaigns")
    mark_page(page)
    table = page.locator("#directory-table")
    search = page.get_by_role("searchbox", name="Search")

    # Like every list's filters, the search applies on Enter (or leaving the box), not at each keystroke.
    search.fill("no such campaign")
    search.press("Enter")
    expect(table).to_contain_text("No open campaigns match your search.")
    wait_for_htmx(page)
    search.fill("lotus")
    search.press("Enter")
    row = table.get_by_role("row").filter(has_text=CAMPAIGN)
    expect(row).to_be_visible()
    expect(row).to_contain_text("12.5% of the order")
    expect(row).to_contain_text("Not joined")
    expect(page).to_have_url(re.compile(r"/campaigns/directory\?.*q=lotus"))
    assert still_same_page(page), "the search should update the table in place"

    row.get_by_role("link", name=CAMPAIGN).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CAMPAIGN)
    mark_page(page)
    actions = page.locator("[id^=membership-actions-]")
    actions.get_by_role("button", name="Apply to join").click()
    expect(actions.locator(".badge-pending")).to_have_text("Pending")
    expect(actions).to_contain_text(f"Your application to {CAMPAIGN} was sent.")
    expect(actions.get_by_role("button", name="Withdraw application")).to_be_visible()
    expect(page.get_by_role("link", name="Make a tracking link")).to_have_count(0)
    expect(page.get_by_label("Your tracking link")).to_have_count(0)
    assert still_same_page(page), "joining should update the page in place"


def merchant_approves(page, affiliate) -> None:
    open_nav(page, "Applications")
    count = page.locator("#pending-count")
    expect(count).to_have_text("1 pending")
    mark_page(page)
    row = page.locator("#applications tbody tr").filter(has_text=affiliate.email)
    expect(row).to_contain_text(CAMPAIGN)
    row.get_by_role("textbox", name="Note to the affiliate (optional)").fill("Welcome aboard")
    row.get_by_role("button", name="Approve").click()
    expect(row.locator(".badge-approved")).to_have_text("Approved")
    expect(row).to_contain_text("Welcome aboard")
    expect(row.get_by_role("button", name="Approve")).to_have_count(0)
    expect(count).to_have_text("0 pending")
    assert still_same_page(page), "the decision should update the row in place"


def affiliate_makes_link(page, live_url) -> str:
    """Make the deep link through the form; return its full URL as the list shows it."""
    page.reload()
    actions = page.locator("[id^=membership-actions-]")
    expect(actions.locator(".badge-approved")).to_have_text("Approved")
    # Approval made the plain link already, ready to copy; a deep link takes the form.
    expect(actions.get_by_label("Your tracking link")).to_have_value(re.compile(r"/r/[A-Za-z0-9]{10}$"))
    expect(actions.get_by_role("button", name="Copy link")).to_be_visible()
    page.get_by_role("link", name="Make another link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New link")
    campaign_select = page.get_by_label("Campaign", exact=True)
    expect(campaign_select.locator("option:checked")).to_have_text(CAMPAIGN)

    destination = page.get_by_label("Destination (optional)")
    destination.fill("https://shop.example.evil.com/x")
    page.get_by_label("Label (optional)").fill(LINK_LABEL)
    page.get_by_role("button", name="Make link").click()
    expect(field_error(page, "destination_url")).to_contain_text("on one of this campaign's sites: shop.example.")
    expect(destination).to_have_attribute("aria-invalid", "true")
    expect(destination).to_have_value("https://shop.example.evil.com/x")
    expect(page.get_by_label("Label (optional)")).to_have_value(LINK_LABEL)
    expect(campaign_select.locator("option:checked")).to_have_text(CAMPAIGN)

    destination.fill(PRODUCT)
    page.get_by_role("button", name="Make link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My links")
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_url)}/links/"))
    expect(page.locator("#flashes")).to_contain_text("Your link is ready.")

    row = page.locator("#links-table tbody tr").filter(has_text=LINK_LABEL)
    expect(row).to_contain_text(CAMPAIGN)
    url_box = row.get_by_label("Tracking URL")
    expect(url_box).to_have_value(TRACKING_URL)
    url = url_box.input_value()

    row.get_by_role("button", name="Copy").click()
    expect(row.get_by_role("status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == url

    qr = row.get_by_role("img", name="QR code of this link")
    expect(qr).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    return url


def visitor_follows(browser, live_url, url: str) -> None:
    """A visitor opens the public URL on the live server: a redirect to the product page with the click id,
    and the click id's cookie.

    The visitor's browser says it is an ordinary Chrome: headless browsers are treated as robots and
    redirected without a click. Playwright never routes the target of a redirect and shop.example does
    not resolve, so the test watches the browser ask for the product page instead of loading it.
    """
    tracking = re.sub(r"^https?://[^/]+", live_url, url)
    landing = re.compile(r"^https://shop\.example/product/1\?aff_click_id=([A-Za-z0-9_-]{22,64})$")
    context = browser.new_context(locale="vi-VN", user_agent=VISITOR_AGENT)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        with page.expect_request(lambda r: r.url.startswith("https://shop.example/")) as visit:
            page.evaluate("url => { window.location.href = url }", tracking)
        request = visit.value
        click_id = landing.match(request.url)
        assert click_id, request.url
        redirect = request.redirected_from
        assert redirect is not None and redirect.url == tracking
        assert redirect.response().status == 302
        cookies = {c["name"]: c for c in context.cookies(live_url)}
        assert cookies["aff_click_id"]["value"] == click_id.group(1)
        assert cookies["aff_click_id"]["sameSite"] == "Lax"
    finally:
        context.close()


def test_campaign_from_creation_to_a_followed_link(app, request, chromium_browser, browser_page, live_url):
    merchant_page = browser_page
    merchant = factories.make_user("merchant")
    affiliate = factories.make_user("affiliate")

    sign_in(merchant_page, live_url, merchant.email, factories.PASSWORD)
    merchant_creates_campaign(merchant_page, live_url)

    context = chromium_browser.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
    affiliate_page = context.new_page()
    try:
        sign_in(affiliate_page, live_url, affiliate.email, factories.PASSWORD)
        affiliate_applies(affiliate_page)
        merchant_approves(merchant_page, affiliate)
        url = affiliate_makes_link(affiliate_page, live_url)
        visitor_follows(chromium_browser, live_url, url)
    except Exception:
        affiliate_page.screenshot(path=screenshot_path(f"{request.node.name}-affiliate"), full_page=True)
        raise
    finally:
        context.close()
