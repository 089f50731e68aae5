"""On a 390×844 phone: each role's main page shows its primary action without scrolling, nothing scrolls
sideways, wide tables turn into cards, and a tracking link is shown whole beside its copy button."""
import pytest

from tests import factories
from tests.browser.conftest import screenshot_path
from tests.browser.helpers import sign_in, wait_for_htmx

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.fixture
def phone(chromium_browser):
    context = chromium_browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def inside_viewport(locator) -> bool:
    box = locator.bounding_box()
    return (box is not None and box["x"] >= 0 and box["y"] >= 0
            and box["x"] + box["width"] <= PHONE["width"] and box["y"] + box["height"] <= PHONE["height"])


def primary_action(page):
    """The page's primary action: the one primary button in its content."""
    actions = page.locator("main .button.primary, main button.primary")
    expect(actions.first).to_be_visible()
    return actions.first


@pytest.mark.parametrize("role, text", [("affiliate", "Payout details"), ("merchant", "New campaign"),
                                        ("admin", "Invitations")])
def test_each_roles_main_page_fits_a_phone(app, phone, live_url, role, text):
    user = factories.make_user(role)
    app.config["MAIL_SERVER"] = ""
    sign_in(phone, live_url, user.email, factories.PASSWORD)
    expect(phone).to_have_url(f"{live_url}/home/{role}")
    action = primary_action(phone)
    expect(action).to_have_text(text)
    phone.screenshot(path=screenshot_path(f"phone-{role}-home"), full_page=True)
    assert inside_viewport(action), action.bounding_box()
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)


def test_with_the_checklist_hidden_the_dashboards_own_action_is_primary(app, phone, live_url):
    merchant = factories.make_user("merchant")
    sign_in(phone, live_url, merchant.email, factories.PASSWORD)
    phone.get_by_role("button", name="Hide").click()
    expect(phone.locator("#checklist")).to_have_count(0)
    phone.reload()
    action = primary_action(phone)
    expect(action).to_have_text("New campaign")
    assert inside_viewport(action) and phone.evaluate(NO_SIDEWAYS_SCROLL)


def test_joining_shows_the_whole_link_with_its_copy_button(app, phone, live_url):
    campaign = factories.make_campaign(name="Tea with a rather long campaign name for a small screen")
    affiliate = factories.make_user("affiliate")
    sign_in(phone, live_url, affiliate.email, factories.PASSWORD)
    phone.goto(f"{live_url}/campaigns/{campaign.id}/view")
    phone.get_by_role("button", name="Join campaign").click()
    link_box = phone.get_by_label("Your tracking link")
    expect(link_box).to_be_visible()
    wait_for_htmx(phone)
    url = link_box.input_value()
    assert url.startswith(live_url.replace("127.0.0.1", "localhost")) or "/r/" in url
    # Whole: the box is as tall as its text needs, and the copy button sits inside the screen.
    assert phone.evaluate("(box) => box.scrollHeight <= box.clientHeight + 1", link_box.element_handle())
    copy = phone.get_by_role("button", name="Copy link")
    assert inside_viewport(copy) and phone.evaluate(NO_SIDEWAYS_SCROLL)


def test_wide_lists_become_cards(app, phone, live_url):
    affiliate = factories.make_user("affiliate")
    campaign = factories.make_campaign(name="Green tea")
    factories.make_membership(campaign, affiliate)
    for n in range(3):
        factories.make_link(campaign, affiliate, label=f"Post {n}", sub_id=f"channel-with-a-long-name-{n}",
                            destination_url=f"https://shop.example/products/green-tea-with-jasmine-{n}?size=500g")
    sign_in(phone, live_url, affiliate.email, factories.PASSWORD)
    phone.goto(f"{live_url}/links/")
    rows = phone.locator("#links-table tbody tr")
    expect(rows).to_have_count(3)
    expect(phone.locator("#links-table")).to_have_class("stacks")
    first = rows.first
    assert first.evaluate("(row) => getComputedStyle(row).display") == "block"
    assert inside_viewport(first.get_by_role("button", name="Copy"))
    # The long deep link is shown whole, wrapped: nothing of it is hidden sideways or below.
    url_box = first.locator("textarea")
    assert "green-tea-with-jasmine" in url_box.input_value()
    assert url_box.evaluate("(box) => box.scrollWidth <= box.clientWidth && box.scrollHeight <= box.clientHeight + 1")
    phone.screenshot(path=screenshot_path("phone-links"), full_page=True)
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
