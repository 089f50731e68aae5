"""In a real browser: a decision on the last waiting row takes the bulk actions away, and archiving the last
active link brings back the empty state with its call to action, without a page reload."""
import pytest

from tests import factories
from tests.browser.helpers import sign_in
from tests.payout_admin_helpers import payout_in
from tests.review_helpers import sale, shop

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser


def mark_page(page):
    """Set a marker that a full page load would wipe out."""
    page.evaluate("window.__samePage = true")


def still_same_page(page) -> bool:
    return page.evaluate("window.__samePage === true")


def test_the_application_bulk_bar_leaves_with_the_last_application(app, browser_page, live_url):
    page = browser_page
    merchant = factories.make_user("merchant")
    campaign = factories.make_campaign(merchant, join_mode="review")
    first, second = (factories.make_membership(campaign, status="pending") for _ in range(2))
    sign_in(page, live_url, merchant.email, factories.PASSWORD)
    page.goto(f"{live_url}/campaigns/applications")
    mark_page(page)
    bulk = page.get_by_role("button", name="Approve selected")

    page.locator(f"#application-{first.id}").get_by_role("button", name="Approve").click()
    expect(page.locator(f"#application-{first.id} .badge-approved")).to_be_visible()
    expect(bulk).to_be_visible()
    page.locator(f"#application-{second.id}").get_by_role("button", name="Reject").click()
    expect(page.locator(f"#application-{second.id} .badge-rejected")).to_be_visible()
    expect(bulk).to_have_count(0)
    expect(page.locator("#select-all")).to_have_count(0)
    assert still_same_page(page)


def test_the_conversion_bulk_bar_leaves_with_the_last_pending_conversion(app, browser_page, live_url):
    page = browser_page
    merchant = factories.make_user("merchant")
    link = shop(merchant)[2]
    first, second = sale(link), sale(link)
    sign_in(page, live_url, merchant.email, factories.PASSWORD)
    page.goto(f"{live_url}/conversions/?status=pending")
    mark_page(page)
    expect(page.locator("#conversion-count")).to_have_text("2 conversions")
    bulk = page.get_by_role("button", name="Approve selected")

    page.locator(f"#conversion-{first.id}").get_by_role("button", name="Approve").click()
    expect(page.locator(f"#conversion-{first.id} .badge-approved")).to_be_visible()
    expect(bulk).to_be_visible()
    # The count of the filtered list follows: one conversion is no longer pending.
    expect(page.locator("#conversion-count")).to_have_text("1 conversion")
    row = page.locator(f"#conversion-{second.id}")
    row.locator("summary").click()
    row.get_by_label("Reason").fill("Test order")
    row.get_by_role("button", name="Reject", exact=True).click()
    expect(page.locator(f"#conversion-{second.id} .badge-rejected")).to_be_visible()
    expect(bulk).to_have_count(0)
    assert still_same_page(page)


def test_the_payout_bulk_bar_leaves_with_the_last_waiting_request(app, browser_page, live_url):
    page = browser_page
    admin = factories.make_user("admin")
    waiting = payout_in("requested", admin=admin)
    sign_in(page, live_url, admin.email, factories.PASSWORD)
    page.goto(f"{live_url}/payouts/admin")
    mark_page(page)
    expect(page.locator("#export-note")).to_contain_text("0 approved bank transfers")

    page.locator(f"#payout-{waiting.id}").get_by_role("button", name="Approve").click()
    expect(page.locator(f"#payout-{waiting.id} .badge-approved")).to_be_visible()
    expect(page.get_by_role("button", name="Approve selected")).to_have_count(0)
    # The note about the bank file counts the request just approved.
    expect(page.locator("#export-note")).to_contain_text("1 approved bank transfer is ready")
    assert still_same_page(page)


def test_archiving_the_last_link_brings_back_the_empty_state(app, browser_page, live_url):
    page = browser_page
    affiliate = factories.make_user("affiliate")
    link = shop(affiliate=affiliate)[2]
    sign_in(page, live_url, affiliate.email, factories.PASSWORD)
    page.goto(f"{live_url}/links/")
    mark_page(page)
    expect(page.get_by_role("link", name="Make your first link")).to_have_count(0)

    page.locator(f"#link-{link.id}").get_by_role("button", name="Archive").click()
    expect(page.locator("#count-active")).to_have_text("0")
    expect(page.get_by_role("link", name="Make your first link")).to_be_visible()
    page.locator(f"#link-{link.id}").get_by_role("button", name="Restore").click()
    expect(page.locator("#count-active")).to_have_text("1")
    expect(page.get_by_role("link", name="Make your first link")).to_have_count(0)
    assert still_same_page(page)
