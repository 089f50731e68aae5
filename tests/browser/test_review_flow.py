"""Reviewing conversions in a real browser: inline decisions and filters without page loads."""
import re

import pytest

from tests import factories
from tests.browser.helpers import sign_in
from tests.review_helpers import sale, shop

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser


def test_merchant_decides_inline_and_affiliate_sees_the_reason(app, chromium_browser, browser_page, live_url):
    page = browser_page
    merchant = factories.make_user("merchant")
    _, affiliate, link = shop(merchant, name="Tea club")
    first = sale(link, order_id="WEB-1", amount=400_000)
    second = sale(link, order_id="WEB-2", amount=900_000)

    sign_in(page, live_url, merchant.email, factories.PASSWORD)
    page.goto(f"{live_url}/conversions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Conversions")
    list_url = page.url
    # Survives only as long as the page is not reloaded.
    page.evaluate("window.stillTheSamePage = true")

    row1, row2 = page.locator(f"#conversion-{first.id}"), page.locator(f"#conversion-{second.id}")
    row1.get_by_role("button", name="Approve").click()
    expect(row1).to_have_attribute("data-status", "approved")
    expect(row1.locator(".badge-approved")).to_have_text("Approved")
    expect(row1).to_contain_text("Approved.")

    row2.locator("summary").click()
    row2.get_by_role("button", name="Reject", exact=True).click()
    expect(row2.locator(".error")).to_have_text("Give a reason for rejecting.")
    expect(row2).to_have_attribute("data-status", "pending")
    row2.get_by_label("Reason").fill("Order cancelled by the customer")
    row2.get_by_role("button", name="Reject", exact=True).click()
    expect(row2).to_have_attribute("data-status", "rejected")
    expect(row2.locator(".reason")).to_have_text("Order cancelled by the customer")

    assert page.url == list_url
    assert page.evaluate("window.stillTheSamePage") is True

    # A filter swaps the table in place and puts itself in the address bar.
    page.get_by_label("Status").select_option("rejected")
    expect(page).to_have_url(re.compile(r"/conversions/\?.*status=rejected"))
    expect(page.locator("#conversion-table tbody tr")).to_have_count(1)
    expect(page.locator(f"#conversion-{second.id}")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True

    # The affiliate, in a browser of their own, sees the outcome and the reason.
    context = chromium_browser.new_context(locale="en-US")
    try:
        affiliate_page = context.new_page()
        sign_in(affiliate_page, live_url, affiliate.email, factories.PASSWORD)
        affiliate_page.goto(f"{live_url}/conversions/mine")
        rejected_row = affiliate_page.locator(f"#my-conversion-{second.id}")
        expect(rejected_row.locator(".badge-rejected")).to_have_text("Rejected")
        expect(rejected_row.locator(".reason")).to_have_text("Order cancelled by the customer")
        expect(affiliate_page.locator(f"#my-conversion-{first.id} .badge-approved")).to_have_text("Approved")
    finally:
        context.close()


def test_bulk_reject_of_the_selection(app, browser_page, live_url):
    page = browser_page
    merchant = factories.make_user("merchant")
    _, _, link = shop(merchant)
    for n in range(3):
        sale(link, order_id=f"B-{n}")
    sign_in(page, live_url, merchant.email, factories.PASSWORD)
    page.goto(f"{live_url}/conversions/?status=pending")
    page.evaluate("window.stillTheSamePage = true")

    page.locator("#select-all").check()
    page.get_by_role("button", name="Reject selected").click()
    expect(page.locator("#bulk-reason-error")).to_have_text("Give a reason for rejecting.")
    expect(page.locator("#conversion-table tbody tr")).to_have_count(3)

    page.locator("#select-all").check()
    page.get_by_label("Reason for rejecting the selected conversions").fill("Test orders")
    page.get_by_role("button", name="Reject selected").click()
    expect(page.locator("#conversion-table .flash")).to_have_text("3 conversions rejected.")
    expect(page.locator("#conversion-table tbody tr")).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True


def test_a_sort_survives_a_change_of_filters_in_place(app, browser_page, live_url):
    page = browser_page
    merchant = factories.make_user("merchant")
    _, _, link = shop(merchant)
    small, large = sale(link, order_id="S-1", amount=100_000), sale(link, order_id="S-2", amount=900_000)
    sale(link, order_id="S-3", amount=500_000, status="approved")
    sign_in(page, live_url, merchant.email, factories.PASSWORD)
    page.goto(f"{live_url}/conversions/")
    page.evaluate("window.stillTheSamePage = true")

    page.locator("#conversion-table th").filter(has_text="Amount").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/conversions/\?sort=amount&order=desc$"))
    page.locator("#conversion-table th").filter(has_text="Amount").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/conversions/\?sort=amount&order=asc$"))
    page.get_by_label("Status").select_option("pending")
    expect(page).to_have_url(re.compile(r"/conversions/\?status=pending.*&sort=amount&order=asc"))
    rows = page.locator("#conversion-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_id(f"conversion-{small.id}")
    expect(rows.last).to_have_id(f"conversion-{large.id}")
    assert page.evaluate("window.stillTheSamePage") is True
