"""Forgotten passwords (emailed link) and changing the password while signed in."""
import re

from itsdangerous import TimestampSigner

from app.services.accounts import accounts, admin
from tests.factories import PASSWORD, make_user
from tests.routes.csrf import post_form

NEW = "a brand new password"
SAME_ANSWER = "If an account exists for that email, a reset link is on its way."


def ask_for_reset(client, email):
    return post_form(client, "/auth/forgot", {"email": email}, token_url="/auth/forgot", follow_redirects=True)


def reset_path(outbox) -> str:
    found = re.search(r"http://localhost(/auth/reset/\S+)", outbox[-1]["body"])
    assert found, outbox[-1]["body"]
    return found.group(1)


def choose(client, path, password=NEW, confirm=None):
    data = {"password": password, "confirm": confirm or password}
    return post_form(client, path, data, token_url="/auth/sign-in")


def test_reset_email_carries_a_link_that_works_once(client, outbox):
    make_user(email="a@example.com")
    page = ask_for_reset(client, "A@example.com")
    assert SAME_ANSWER in page.get_data(as_text=True)
    assert len(outbox) == 1 and outbox[0]["to"] == "a@example.com"
    path = reset_path(outbox)

    form = client.get(path)
    assert form.status_code == 200 and 'name="password"' in form.get_data(as_text=True)
    response = choose(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/sign-in"
    assert accounts.authenticate("a@example.com", NEW, "127.0.0.1")

    again = client.get(path, follow_redirects=True)
    assert again.request.path == "/auth/forgot"
    assert "invalid, expired or already used" in again.get_data(as_text=True)
    refused = choose(client, path, password="yet another password")
    assert refused.headers["Location"] == "/auth/forgot"
    assert accounts.authenticate("a@example.com", NEW, "127.0.0.1")


def test_unknown_email_gets_the_same_answer_and_no_mail(client, outbox):
    page = ask_for_reset(client, "nobody@example.com")
    assert page.request.path == "/auth/sign-in"
    assert SAME_ANSWER in page.get_data(as_text=True)
    assert outbox == []


def test_disabled_account_gets_the_same_answer_and_no_mail(client, outbox):
    user = make_user(email="a@example.com")
    admin.set_disabled(user.id, True, actor_id=None)
    assert SAME_ANSWER in ask_for_reset(client, "a@example.com").get_data(as_text=True)
    assert outbox == []


def test_invalid_email_is_shown_beside_the_field(client, outbox):
    response = post_form(client, "/auth/forgot", {"email": "not an email"}, token_url="/auth/forgot")
    assert response.status_code == 200
    assert '<span class="error" id="email-error">' in response.get_data(as_text=True)
    assert outbox == []


def test_expired_link_is_refused(app, client, monkeypatch):
    user = make_user(email="a@example.com")
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: real(self) - app.config["PASSWORD_RESET_MAX_AGE"] - 1)
    token = accounts.make_reset_token(user)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    response = choose(client, f"/auth/reset/{token}")
    assert response.headers["Location"] == "/auth/forgot"
    assert accounts.authenticate("a@example.com", PASSWORD, "127.0.0.1")


def test_tampered_link_is_refused(client):
    user = make_user()
    token = accounts.make_reset_token(user)
    response = client.get(f"/auth/reset/{token[:-2]}xx")
    assert response.headers["Location"] == "/auth/forgot"


def test_reset_form_checks_length_and_match(client):
    user = make_user()
    path = f"/auth/reset/{accounts.make_reset_token(user)}"
    html = choose(client, path, password="short").get_data(as_text=True)
    assert '<span class="error" id="password-error">' in html
    html = choose(client, path, password=NEW, confirm="something else").get_data(as_text=True)
    assert "Passwords do not match." in html


def test_reset_signs_out_every_existing_session(app, client, outbox, login_as):
    login_as(make_user(email="a@example.com"))
    assert client.get("/home/affiliate").status_code == 200
    anonymous = app.test_client()
    ask_for_reset(anonymous, "a@example.com")
    choose(anonymous, reset_path(outbox))
    assert client.get("/home/affiliate").status_code == 302


def change(client, current, new=NEW, confirm=None):
    data = {"password-current_password": current, "password-password": new, "password-confirm": confirm or new}
    return post_form(client, "/settings/password", data, token_url="/settings")


def test_account_page_needs_sign_in(client):
    response = client.get("/settings")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/sign-in")


def test_wrong_current_password_is_shown_beside_that_field(client, login_as):
    login_as(make_user(email="a@example.com"))
    html = change(client, "not my password").get_data(as_text=True)
    assert '<span class="error" id="password-current_password-error">Your current password is wrong.</span>' in html
    assert accounts.authenticate("a@example.com", PASSWORD, "127.0.0.1")


def test_new_password_rules_on_change(client, login_as):
    login_as(make_user())
    assert "8 to 128 characters" in change(client, PASSWORD, new="short").get_data(as_text=True)
    assert "Passwords do not match." in change(client, PASSWORD, confirm="other one!").get_data(as_text=True)


def test_change_keeps_this_session_and_ends_the_others(app, client, login_as):
    user = login_as(make_user(email="a@example.com"))
    other_device = app.test_client()
    with other_device.session_transaction() as session:
        session["_user_id"] = user.get_id()
    assert other_device.get("/home/affiliate").status_code == 200

    response = change(client, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/settings#password"
    assert client.get("/home/affiliate").status_code == 200
    assert other_device.get("/home/affiliate").status_code == 302
    assert accounts.authenticate("a@example.com", NEW, "127.0.0.1")
