"""CSRF stays on in tests: route tests fetch a real token the way a browser would."""
import re

_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str = "/auth/sign-in") -> str:
    """GET `url` (following redirects) and return the CSRF token of that page."""
    response = client.get(url, follow_redirects=True)
    html = response.get_data(as_text=True)
    found = _META.search(html) or _INPUT.search(html)
    if found is None:
        raise AssertionError(f"no CSRF token on {url} (status {response.status_code})")
    return found.group(1)


def post_form(client, url: str, data: dict | None = None, *, token_url: str = "/auth/sign-in", **kwargs):
    """POST `data` to `url` as a form, with a valid CSRF token for this client's session."""
    form = dict(data or {})
    form["csrf_token"] = csrf_token(client, token_url)
    return client.post(url, data=form, **kwargs)
