"""The affiliate's first-run checklist counts a link as shared once its copy button is used."""
import re

import pytest

from tests import factories
from tests.browser.helpers import sign_in

expect = pytest.importorskip("playwright.sync_api").expect


def test_the_copy_button_marks_the_share_step_done_on_the_dashboard(app, browser_page, live_url):
    affiliate = factories.make_user("affiliate")
    campaign = factories.make_campaign(name="Summer sale")
    factories.make_membership(campaign, affiliate, status="approved")
    copied_url = f"{live_url}/links/{factories.make_link(campaign, affiliate).id}/copied"
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
    sign_in(page, live_url, affiliate.email, factories.PASSWORD)

    page.goto(f"{live_url}/home/affiliate")
    step = page.locator('#checklist [data-step="share_link"]')
    expect(step).to_have_class(re.compile(r"\bstep-todo\b"))

    page.goto(f"{live_url}/links/")
    row = page.locator("#links-table tbody tr").filter(has_text="Summer sale")
    with page.expect_response(lambda r: r.url == copied_url) as recorded:
        row.get_by_role("button", name="Copy").click()
    assert recorded.value.status == 204
    expect(row.get_by_role("status")).to_have_text("Copied")

    page.goto(f"{live_url}/home/affiliate")
    expect(step).to_have_class(re.compile(r"\bstep-done\b"))
    expect(step).to_contain_text("You copied your link.")
