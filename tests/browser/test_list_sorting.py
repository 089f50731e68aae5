"""A list's headings in a browser: a click sorts the list in place and puts the sort in the address, the next
filter change keeps it, and on a phone the cards' labels are the headings' words without the arrow."""
import pytest

from tests import factories
from tests.browser.helpers import expect, sign_in, wait_for_htmx

pytestmark = pytest.mark.browser


def _names(page) -> list[str]:
    return page.locator("#users-table tbody tr td:first-child a").all_inner_texts()


def test_a_heading_sorts_in_place_and_the_filter_keeps_it(app, browser_page, live_url):
    admin = factories.make_user("admin", name="Zoe Admin")
    for name in ("Mai Tran", "Binh Le", "Thao Vu"):
        factories.make_user("affiliate", name=name)
    factories.make_user("merchant", name="Anh Do", company_name="Cafe Nho")
    page = browser_page
    sign_in(page, live_url, admin.email, factories.PASSWORD)
    page.goto(f"{live_url}/admin/users")
    page.evaluate("window.notReloaded = true")

    page.locator("#users-table thead").get_by_role("link", name="Name").click()
    expect(page).to_have_url(f"{live_url}/admin/users?sort=name&order=asc")
    wait_for_htmx(page)
    assert _names(page) == ["Binh Le", "Cafe Nho", "Mai Tran", "Thao Vu", "Zoe Admin"]
    expect(page.locator("#users-table th[aria-sort=ascending]")).to_contain_text("Name")

    page.get_by_label("Role").select_option("affiliate")
    expect(page).to_have_url(f"{live_url}/admin/users?q=&role=affiliate&status=&sort=name&order=asc")
    wait_for_htmx(page)
    assert _names(page) == ["Binh Le", "Mai Tran", "Thao Vu"]

    page.locator("#users-table thead").get_by_role("link", name="Name").click()
    expect(page).to_have_url(f"{live_url}/admin/users?role=affiliate&sort=name&order=desc")
    wait_for_htmx(page)
    assert _names(page) == ["Thao Vu", "Mai Tran", "Binh Le"]
    # Only the list was swapped each time: the page itself was never loaded again.
    assert page.evaluate("window.notReloaded") is True


def test_phone_cards_are_labelled_without_the_arrow(app, chromium_browser, live_url):
    admin = factories.make_user("admin")
    factories.make_user("affiliate", name="Mai Tran")
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844})
    try:
        phone = context.new_page()
        sign_in(phone, live_url, admin.email, factories.PASSWORD)
        phone.goto(f"{live_url}/admin/users?sort=email&order=asc")
        wait_for_htmx(phone)
        expect(phone.locator("#users-table table")).to_have_class("stacks")
        email_cell = phone.locator("#users-table tbody tr").first.locator("td").nth(1)
        assert email_cell.get_attribute("data-label") == "Email"
    finally:
        context.close()


def test_on_a_phone_the_sorting_headings_stay_as_buttons_above_the_cards(app, chromium_browser, live_url):
    admin = factories.make_user("admin", name="Zoe Admin")
    for name in ("Mai Tran", "Binh Le"):
        factories.make_user("affiliate", name=name)
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844})
    try:
        phone = context.new_page()
        sign_in(phone, live_url, admin.email, factories.PASSWORD)
        phone.goto(f"{live_url}/admin/users")
        wait_for_htmx(phone)
        heading = phone.locator("#users-table thead").get_by_role("link", name="Name")
        expect(heading).to_be_visible()
        box = heading.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        # Headings that do not sort are not shown as buttons.
        for cell in phone.locator("#users-table thead th:not([aria-sort])").all():
            expect(cell).to_be_hidden()
        heading.click()
        expect(phone).to_have_url(f"{live_url}/admin/users?sort=name&order=asc")
        wait_for_htmx(phone)
        names = phone.locator("#users-table tbody tr td:first-child a").all_inner_texts()
        assert names == ["Binh Le", "Mai Tran", "Zoe Admin"]
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
