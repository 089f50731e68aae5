"""Steps shared by browser tests."""
import pytest

expect = pytest.importorskip("playwright.sync_api").expect

# True once the sign-in form is gone (signed in) or shows an error (refused).
_SIGN_IN_SETTLED = """() => !document.querySelector('form[action$="/auth/sign-in"]')
    || document.querySelector('form[action$="/auth/sign-in"] .error, .flash-error')"""


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the real form, as a person would, and wait for the answer to be shown."""
    page.goto(f"{base_url}/auth/sign-in")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_function(_SIGN_IN_SETTLED)
    wait_for_htmx(page)


# htmx attaches its listeners to swapped-in content only when the swap settles (about 20 ms later);
# typing into a search box before that would fire no request.
_HTMX_SETTLED = """() => window.htmx !== undefined
    && document.querySelector('.htmx-settling, .htmx-added, .htmx-swapping, .htmx-request') === null"""


def wait_for_htmx(page) -> None:
    """Wait until htmx has finished swapping and settling whatever it last loaded."""
    page.wait_for_function(_HTMX_SETTLED)


def sign_out(page) -> None:
    """Sign out through the menu's button and wait until the sign-in form is back."""
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
