"""The analytics page in a real browser: a new range redraws the charts and tables without a page load."""
from datetime import timedelta

import pytest

from app.models.common import utcnow
from app.services.analytics import rollup
from tests import factories
from tests.browser.helpers import sign_in, wait_for_htmx

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser


def test_changing_the_range_redraws_chart_and_table(app, chromium_browser, browser_page, live_url):
    page = browser_page
    merchant = factories.make_user("merchant")
    campaign = factories.make_campaign(merchant, name="Tea club")
    link = factories.make_link(campaign)
    # Clicks 20 days ago and yesterday: the 30-day range holds both, the 7-day range one.
    for days_ago, count in ((20, 3), (1, 2)):
        for n in range(count):
            factories.make_click(link, created_at=utcnow() - timedelta(days=days_ago, minutes=n))
    rollup.run()

    sign_in(page, live_url, merchant.email, factories.PASSWORD)
    page.goto(f"{live_url}/analytics/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Analytics")
    page.evaluate("window.stillTheSamePage = true")
    trend_rows = page.locator("#trend details tbody tr")
    clicks_chart = page.locator("#trend svg").first
    expect(trend_rows).to_have_count(30)
    expect(clicks_chart.locator("desc")).to_contain_text("5 in all")
    expect(page.locator("#funnel .stat").first).to_contain_text("5")

    page.get_by_label("Period", exact=True).select_option("7d")
    wait_for_htmx(page)
    expect(trend_rows).to_have_count(7)
    expect(clicks_chart.locator("desc")).to_contain_text("2 in all")
    expect(clicks_chart.locator("circle")).to_have_count(7)
    assert "range=7d" in page.url
    assert page.evaluate("window.stillTheSamePage") is True

    page.locator("#trend summary").click()
    expect(trend_rows.last).to_be_visible()
    page.get_by_role("link", name="Links", exact=True).click()
    wait_for_htmx(page)
    expect(page.locator("#top-performers tbody tr")).to_have_count(1)
    assert page.evaluate("window.stillTheSamePage") is True
