"""Joining, reviewing and removing in a real browser: htmx swaps in place, counts follow, no page reload."""
import pytest

from tests import factories
from tests.browser.helpers import sign_in

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser


def mark_page(page):
    """Set a marker that a full page load would wipe out."""
    page.evaluate("window.__samePage = true")


def still_same_page(page) -> bool:
    return page.evaluate("window.__samePage === true")


def test_merchant_decides_inline_and_in_bulk(app, browser_page, live_url):
    page = browser_page
    merchant = factories.make_user("merchant")
    campaign = factories.make_campaign(merchant, join_mode="review", name="Green tea")
    first, *others = (factories.make_membership(campaign, status="pending") for _ in range(3))
    sign_in(page, live_url, merchant.email, factories.PASSWORD)
    page.goto(f"{live_url}/campaigns/applications")
    expect(page.locator("#pending-count")).to_have_text("3 pending")
    mark_page(page)

    row = page.locator(f"#application-{first.id}")
    row.get_by_placeholder("Note (optional)").fill("Welcome")
    row.get_by_role("button", name="Approve").click()
    expect(row.locator(".badge-approved")).to_be_visible()
    expect(row).to_contain_text("Welcome")
    expect(page.locator("#pending-count")).to_have_text("2 pending")
    # The filter's count follows the decision too.
    expect(page.locator("#filter-campaign option").nth(1)).to_have_text("Green tea (2)")
    expect(row).to_be_visible()

    page.locator("#select-all").check()
    for other in others:
        expect(page.locator(f"#application-{other.id} input[name=ids]")).to_be_checked()
    page.get_by_role("button", name="Reject selected").click()
    expect(page.locator("#applications")).to_contain_text("2 applications rejected.")
    expect(page.locator("#pending-count")).to_have_text("0 pending")
    assert still_same_page(page)


def test_affiliate_joins_and_leaves_in_place(app, browser_page, live_url):
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    campaign = factories.make_campaign(name="Summer sale")
    affiliate = factories.make_user("affiliate")
    sign_in(page, live_url, affiliate.email, factories.PASSWORD)
    page.goto(f"{live_url}/campaigns/{campaign.id}/view")
    mark_page(page)
    actions = page.locator(f"#membership-actions-{campaign.id}")

    actions.get_by_role("button", name="Join campaign").click()
    expect(actions).to_contain_text("You joined Summer sale")
    actions.get_by_role("button", name="Leave campaign").click()
    expect(actions).to_contain_text("You left Summer sale")
    expect(actions.get_by_role("button", name="Join campaign")).to_be_visible()
    assert still_same_page(page)


def test_merchant_removes_a_member_and_the_tabs_follow(app, browser_page, live_url):
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    merchant = factories.make_user("merchant")
    campaign = factories.make_campaign(merchant)
    member = factories.make_membership(campaign, factories.make_user("affiliate", name="Minh Tran"))
    sign_in(page, live_url, merchant.email, factories.PASSWORD)
    page.goto(f"{live_url}/campaigns/{campaign.id}/affiliates")
    expect(page.locator("#members-tabs")).to_contain_text("Approved (1)")
    mark_page(page)

    row = page.locator(f"#member-{member.id}")
    row.get_by_placeholder("Reason (optional)").fill("Fake traffic")
    row.get_by_role("button", name="Remove").click()
    expect(row.locator(".badge-removed")).to_be_visible()
    expect(page.locator("#members-tabs")).to_contain_text("Approved (0)")
    expect(page.locator("#members-tabs")).to_contain_text("Removed (1)")
    assert still_same_page(page)
