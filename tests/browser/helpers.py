"""Steps shared by browser tests."""

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
