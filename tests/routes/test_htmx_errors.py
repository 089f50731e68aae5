"""Errors met by htmx requests: shown in the flash area, or a full redirect to sign in."""
from urllib.parse import parse_qs, urlsplit


def _next_of(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == "/auth/sign-in"
    return parse_qs(parts.query)["next"][0]


def test_inline_htmx_request_for_another_roles_page_lands_in_the_flash_area(client, login_as):
    login_as("affiliate")
    response = client.get("/home/admin", headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert response.headers["HX-Retarget"] == "#flashes"
    assert response.headers["HX-Reswap"] == "innerHTML"
    body = response.get_data(as_text=True)
    assert 'class="flash flash-error"' in body and "<html" not in body


def test_boosted_navigation_gets_the_whole_error_page(client, login_as):
    login_as("affiliate")
    response = client.get("/home/admin", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 403
    assert "HX-Retarget" not in response.headers
    assert "<html" in response.get_data(as_text=True)


def test_anonymous_htmx_request_is_sent_to_sign_in_as_a_full_page(client):
    response = client.get("/home/merchant?x=1", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert _next_of(response.headers["HX-Redirect"]) == "/home/merchant?x=1"


def test_anonymous_page_request_redirects_with_next(client):
    response = client.get("/home/merchant")
    assert response.status_code == 302
    assert _next_of(response.headers["Location"]) == "/home/merchant"


def test_base_layout_tells_htmx_to_show_error_answers(client):
    html = client.get("/auth/sign-in").get_data(as_text=True)
    assert '"[45]..", "swap": true' in html
