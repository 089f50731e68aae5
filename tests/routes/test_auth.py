"""Signing in and out: sessions, the `next` parameter, lockout, CSRF and cookie flags."""
import pytest

from app.extensions import db
from app.models.users import SignInFailure
from app.services.accounts import admin
from tests.factories import PASSWORD, make_user
from tests.routes.csrf import csrf_token, post_form


def sign_in(client, email, password=PASSWORD, next_url=None, **kwargs):
    data = {"email": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return post_form(client, "/auth/sign-in", data, **kwargs)


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_sign_in_page_renders(client):
    html = client.get("/auth/sign-in").get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html and 'name="csrf_token"' in html


def test_sign_in_goes_to_the_role_dashboard(client):
    make_user("merchant", email="m@example.com")
    response = sign_in(client, "M@Example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    page = client.get("/dashboard", follow_redirects=True)
    assert page.request.path == "/home/merchant" and page.status_code == 200


def test_wrong_password_is_shown_beside_the_password_and_email_kept(client):
    make_user(email="a@example.com")
    html = sign_in(client, "a@example.com", "wrong password").get_data(as_text=True)
    assert '<span class="error" id="password-error">Wrong email or password.</span>' in html
    assert 'value="a@example.com"' in html
    assert "wrong password" not in html
    assert client.get("/home/affiliate").status_code == 302


def test_unknown_email_gets_the_same_answer(client):
    html = sign_in(client, "nobody@example.com").get_data(as_text=True)
    assert '<span class="error" id="password-error">Wrong email or password.</span>' in html


def test_sign_in_starts_a_fresh_session_but_keeps_the_language(client):
    user = make_user(email="a@example.com")
    csrf_token(client)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["locale"] = "vi"
    sign_in(client, "a@example.com")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["locale"] == "vi"
        assert session["_user_id"] == user.get_id()


def test_session_cookie_flags(client):
    make_user(email="a@example.com")
    response = sign_in(client, "a@example.com")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in tests; production sets it (tests/test_config.py)


def test_sign_out_kills_the_old_session_cookie(app, client):
    make_user(email="a@example.com")
    sign_in(client, "a@example.com")
    stolen = session_cookie(client)

    other = app.test_client()
    other.set_cookie("session", stolen)
    assert other.get("/home/affiliate").status_code == 200  # the copied cookie works until sign-out

    response = post_form(client, "/auth/sign-out", token_url="/home/affiliate")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/sign-in"
    assert client.get("/home/affiliate").status_code == 302

    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/home/affiliate")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/sign-in")


def test_sign_out_needs_a_post(client, login_as):
    login_as("affiliate")
    assert client.get("/auth/sign-out").status_code == 405
    assert client.get("/home/affiliate").status_code == 200


@pytest.mark.parametrize("target", ["/campaigns?status=active", "/home/affiliate"])
def test_next_follows_local_paths(client, target):
    make_user(email="a@example.com")
    response = sign_in(client, "a@example.com", next_url=target)
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", [
    "//evil.com", "https://evil.com", "http://evil.com/home", "/\\evil.com", "\\\\evil.com",
    "//evil.com/%2F..", "javascript:alert(1)", "evil.com", "/\t/evil.com", "https:evil.com",
])
def test_next_never_leaves_the_site(client, target):
    make_user(email="a@example.com")
    response = sign_in(client, "a@example.com", next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_next_from_the_query_string_survives_the_form(client):
    make_user(email="a@example.com")
    html = client.get("/auth/sign-in?next=/home/affiliate").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/home/affiliate"' in html


def test_sixth_attempt_is_refused_even_with_the_right_password(client):
    make_user(email="a@example.com")
    for _ in range(5):
        html = sign_in(client, "a@example.com", "wrong password").get_data(as_text=True)
        assert "Wrong email or password." in html
    response = sign_in(client, "a@example.com")
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in html
    assert client.get("/home/affiliate").status_code == 302


def guesses_from(ip, count):
    # The service tests count real failures; here only the page's answer matters.
    db.session.add_all(SignInFailure(email=f"guess{n}@example.com", ip=ip) for n in range(count))
    db.session.commit()


def test_one_address_is_limited_across_accounts(client):
    make_user(email="victim@example.com")
    guesses_from("127.0.0.1", 19)
    html = sign_in(client, "guess@example.com", "wrong password").get_data(as_text=True)
    assert "Wrong email or password." in html  # the 20th failure is still only a failure
    html = sign_in(client, "victim@example.com").get_data(as_text=True)
    assert "Too many failed sign-ins" in html


def test_a_different_address_is_not_blocked_by_the_per_ip_limit(app, client):
    make_user(email="victim@example.com")
    guesses_from("127.0.0.1", 20)
    assert "Too many failed sign-ins" in sign_in(client, "victim@example.com").get_data(as_text=True)
    elsewhere = app.test_client()
    response = sign_in(elsewhere, "victim@example.com", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert response.status_code == 302


def test_disabled_user_cannot_sign_in(client):
    user = make_user(email="a@example.com")
    admin.set_disabled(user.id, True, actor_id=None)
    html = sign_in(client, "a@example.com").get_data(as_text=True)
    assert "Wrong email or password." in html


def test_post_without_csrf_token_is_refused_with_a_friendly_page(client):
    make_user(email="a@example.com")
    response = client.post("/auth/sign-in", data={"email": "a@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert "sent without its security token" in response.get_data(as_text=True)
    assert client.get("/home/affiliate").status_code == 302


def test_post_with_a_forged_csrf_token_is_refused(client):
    make_user(email="a@example.com")
    csrf_token(client)
    response = client.post("/auth/sign-in", data={"email": "a@example.com", "password": PASSWORD,
                                                  "csrf_token": "forged"})
    assert response.status_code == 400


def test_csrf_token_in_the_htmx_header_is_accepted(client):
    make_user(email="a@example.com")
    token = csrf_token(client)
    response = client.post("/auth/sign-in", data={"email": "a@example.com", "password": PASSWORD},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 302
