"""Languages: Accept-Language, the picker (stored in the session) and the user's own choice."""
import pytest

from app.urls import local_path
from tests.factories import make_user
from tests.routes.csrf import post_form


def html_lang(response) -> str:
    html = response.get_data(as_text=True)
    start = html.index('<html lang="') + len('<html lang="')
    return html[start:html.index('"', start)]


@pytest.mark.parametrize(("header", "lang"), [
    ("vi", "vi"),
    ("vi-VN,vi;q=0.9,en;q=0.8", "vi"),
    ("en-US,en;q=0.9", "en"),
    ("fr-FR, vi;q=0.8, en;q=0.5", "vi"),
    ("fr", "en"),
    ("", "en"),
])
def test_accept_language_chooses_the_locale(client, header, lang):
    response = client.get("/auth/sign-in", headers={"Accept-Language": header})
    assert html_lang(response) == lang


def test_picker_stores_the_language_and_goes_back(client):
    response = post_form(client, "/language", {"lang": "vi", "next": "/auth/sign-up?x=1"})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/sign-up?x=1"
    # The choice beats the browser's header from now on.
    assert html_lang(client.get("/auth/sign-in", headers={"Accept-Language": "en"})) == "vi"
    post_form(client, "/language", {"lang": "en", "next": "/"})
    assert html_lang(client.get("/auth/sign-in", headers={"Accept-Language": "vi"})) == "en"


def test_picker_ignores_unknown_languages(client):
    post_form(client, "/language", {"lang": "xx", "next": "/"})
    with client.session_transaction() as session:
        assert "locale" not in session
    assert html_lang(client.get("/auth/sign-in")) == "en"


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "/\\evil.com", "", "evil.com",
                                    "/\t/evil.com", "javascript:alert(1)"])
def test_picker_redirects_only_to_local_paths(client, target):
    response = post_form(client, "/language", {"lang": "vi", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_picker_needs_the_csrf_token(client):
    assert client.post("/language", data={"lang": "vi", "next": "/"}).status_code == 400


def test_the_picker_form_points_back_to_the_current_page(client):
    html = client.get("/auth/sign-up").get_data(as_text=True)
    assert 'name="next" value="/auth/sign-up?"' in html


def test_a_signed_in_users_saved_language_is_used(client, login_as):
    login_as(make_user("affiliate", locale="vi"))
    assert html_lang(client.get("/home/affiliate", headers={"Accept-Language": "en"})) == "vi"


@pytest.mark.parametrize(("target", "expected"), [
    ("/campaigns?status=active", "/campaigns?status=active"),
    ("/", "/"),
    ("/a/b#frag", "/a/b#frag"),
    ("//evil.com", None),
    ("///evil.com", None),
    ("/\\evil.com", None),
    ("/\r\nLocation: x", None),
    ("https://evil.com", None),
    ("http:/evil.com", None),
    ("relative/path", None),
    ("", None),
    (None, None),
])
def test_local_path(target, expected):
    assert local_path(target) == expected
