"""Two-factor sign-in in a real browser: set it up from the settings, then sign in with the app's code."""
import re

import pytest

from tests import factories
from tests.browser.helpers import sign_in, sign_out, wait_for_htmx
from tests.two_factor_helpers import code_at, turn_on

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser


def test_sign_in_asks_for_the_code_after_the_password(app, browser_page, live_url):
    page = browser_page
    user = factories.make_user("merchant")
    secret, _codes = turn_on(user)

    sign_in(page, live_url, user.email, factories.PASSWORD)
    expect(page).to_have_url(f"{live_url}/auth/two-factor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.get_by_label("Code from your authenticator app").fill("000000x")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#code-error")).to_contain_text("That code is not right.")

    page.get_by_label("Code from your authenticator app").fill(code_at(secret))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_url}/home/merchant")
    expect(page.locator("#flashes")).to_contain_text("Signed in.")


def test_set_up_from_the_settings_then_sign_in_with_a_recovery_code(app, browser_page, live_url):
    page = browser_page
    user = factories.make_user("affiliate")
    sign_in(page, live_url, user.email, factories.PASSWORD)

    page.goto(f"{live_url}/settings")
    page.get_by_role("link", name="Turn on two-factor sign-in").click()
    wait_for_htmx(page)
    expect(page.locator("#two-factor-setup svg")).to_be_visible()
    secret = page.locator("#totp-key").inner_text().replace(" ", "")
    page.get_by_label("Code shown by the app").fill(code_at(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", code) for code in codes)

    sign_out(page)
    sign_in(page, live_url, user.email, factories.PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_url}/home/affiliate")
    expect(page.locator("#flashes")).to_contain_text("9 are left")
