"""Two-factor sign-in through the pages: the second step, its lockout, setting it up, admins made to."""
import re

import pytest

from app.extensions import db
from app.services.accounts import two_factor
from tests.factories import PASSWORD, make_user
from tests.routes.csrf import post_form
from tests.two_factor_helpers import code_at, turn_on


def sign_in(client, email, next_url=""):
    return post_form(client, "/auth/sign-in", {"email": email, "password": PASSWORD, "next": next_url})


def second_step(client, code):
    return post_form(client, "/auth/two-factor", {"code": code}, token_url="/auth/two-factor")


@pytest.fixture
def lan(app):
    user = make_user("affiliate", email="lan@example.com")
    secret, codes = turn_on(user)
    return user, secret, codes


def test_the_password_alone_does_not_sign_in(client, lan):
    response = sign_in(client, "lan@example.com", next_url="/links/")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/two-factor"
    assert client.get("/home/affiliate").status_code == 302
    assert "Code from your authenticator app" in client.get("/auth/two-factor").get_data(as_text=True)


def test_the_code_finishes_the_sign_in_and_goes_where_the_person_was_going(client, lan):
    _user, secret, _codes = lan
    sign_in(client, "lan@example.com", next_url="/links/")
    response = second_step(client, code_at(secret))
    assert response.status_code == 302 and response.headers["Location"] == "/links/"
    assert client.get("/home/affiliate").status_code == 200
    with client.session_transaction() as session:
        assert "second_factor" not in session


def test_a_wrong_code_is_shown_beside_the_field(client, lan):
    sign_in(client, "lan@example.com")
    html = second_step(client, "123").get_data(as_text=True)
    assert '<span class="error" id="code-error">That code is not right.' in html
    assert client.get("/home/affiliate").status_code == 302


def test_a_recovery_code_signs_in_and_says_how_many_are_left(client, lan):
    _user, _secret, codes = lan
    sign_in(client, "lan@example.com")
    response = second_step(client, codes[3])
    assert response.status_code == 302
    assert "9 are left" in client.get("/home/affiliate").get_data(as_text=True)


def test_the_second_step_needs_a_password_first(client, lan):
    response = client.get("/auth/two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/sign-in"


def test_the_second_step_goes_stale(app, client, lan, monkeypatch):
    _user, secret, _codes = lan
    sign_in(client, "lan@example.com")
    monkeypatch.setitem(app.config, "TWO_FACTOR_PENDING_SECONDS", -1)
    response = second_step(client, code_at(secret))
    assert response.status_code == 302 and response.headers["Location"] == "/auth/sign-in"
    assert client.get("/home/affiliate").status_code == 302


def test_wrong_codes_lock_the_address_out_like_wrong_passwords(app, client, lan):
    _user, secret, _codes = lan
    sign_in(client, "lan@example.com")
    for _try in range(app.config["SIGNIN_MAX_PER_ACCOUNT_IP"]):
        second_step(client, "000000x")
    response = second_step(client, code_at(secret))
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    assert client.get("/home/affiliate").status_code == 302


def test_setting_it_up_from_the_settings(client, login_as):
    user = login_as(make_user("merchant"))
    html = client.get("/settings/two-factor").get_data(as_text=True)
    assert "<svg" in html and 'id="totp-key"' in html
    with client.session_transaction() as session:
        secret = session["totp_setup"]
    assert secret.replace(" ", "")[:4] in html
    wrong = post_form(client, "/settings/two-factor/enable", {"code": "000000x"}, token_url="/settings/two-factor")
    assert 'id="code-error"' in wrong.get_data(as_text=True)
    db.session.refresh(user)
    assert not user.has_two_factor

    response = post_form(client, "/settings/two-factor/enable", {"code": code_at(secret)},
                         token_url="/settings/two-factor")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code>", response.get_data(as_text=True))
    assert len(codes) == 10
    db.session.refresh(user)
    assert user.has_two_factor and two_factor.totp_secret_of(user) == secret and secret not in user.totp_secret
    assert "10 recovery codes are left" in client.get("/settings/two-factor").get_data(as_text=True)


def test_turning_it_off_from_the_settings(client, login_as):
    user = login_as(make_user("affiliate"))
    turn_on(user)
    html = post_form(client, "/settings/two-factor/disable", {"disable-password": "nope"},
                     token_url="/settings/two-factor").get_data(as_text=True)
    assert 'id="disable-password-error"' in html
    response = post_form(client, "/settings/two-factor/disable", {"disable-password": PASSWORD},
                         token_url="/settings/two-factor")
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.has_two_factor


def test_admins_must_turn_it_on_first_when_the_install_requires_it(app, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_2FA_FOR_ADMINS", True)
    admin = login_as(make_user("admin"))
    response = client.get("/home/admin")
    assert response.status_code == 302 and response.headers["Location"] == "/settings/two-factor"
    page = client.get("/settings/two-factor").get_data(as_text=True)
    assert "Admins of this program must use two-factor sign-in." in page
    turn_on(admin)
    assert client.get("/home/admin").status_code == 200
    assert 'id="two-factor-off"' not in client.get("/settings/two-factor").get_data(as_text=True)


def test_other_roles_are_not_made_to(app, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_2FA_FOR_ADMINS", True)
    login_as("merchant")
    assert client.get("/home/merchant").status_code == 200


def test_an_admin_turns_it_off_for_someone_who_lost_phone_and_codes(app, client, login_as, lan, outbox):
    user, _secret, codes = lan
    login_as("admin")
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Turn off (phone and recovery codes lost)" in page
    response = post_form(client, f"/admin/users/{user.id}/two-factor/reset", token_url=f"/admin/users/{user.id}")
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.has_two_factor
    assert outbox[-1]["to"] == "lan@example.com"
    assert 'id="two-factor-state">Off' in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    other = app.test_client()
    response = sign_in(other, "lan@example.com")
    assert response.headers["Location"] == "/dashboard"  # the password alone again


@pytest.mark.parametrize("role", ["merchant", "affiliate"])
def test_only_admins_turn_it_off_for_others(client, login_as, lan, role):
    user, _secret, _codes = lan
    login_as(role)
    assert post_form(client, f"/admin/users/{user.id}/two-factor/reset", token_url="/settings").status_code == 403
    db.session.refresh(user)
    assert user.has_two_factor
