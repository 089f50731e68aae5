"""The settings page of every role: name, email (confirmed by a link), language, emails, password, sessions."""
import re

import pytest

from app.extensions import db
from app.models.audit import AuditEvent
from app.services.accounts.accounts import find_by_email
from tests.factories import PASSWORD, make_user
from tests.routes.csrf import post_form
from tests.sessions import signed_in_client


def post(client, path, data):
    return post_form(client, path, data, token_url="/settings")


def link_in(message) -> str:
    return re.search(r"http://localhost(/\S+)", message["body"]).group(1)


@pytest.mark.parametrize(("role", "boxes"), [("affiliate", 4), ("merchant", 1), ("admin", 1)])
def test_every_role_has_the_settings_page(client, login_as, role, boxes):
    login_as(role)
    html = client.get("/settings").get_data(as_text=True)
    for section in ("profile", "email", "language", "notifications", "password", "sessions"):
        assert f'id="{section}"' in html
    assert len(re.findall(r'<input checked id="notify-\w+" name="notify-\w+" type="checkbox"', html)) == boxes


def test_a_merchant_finds_the_api_keys_in_the_settings(client, login_as):
    login_as("merchant")
    assert 'href="/settings/api-keys"' in client.get("/settings").get_data(as_text=True)


def test_the_old_account_address_leads_to_the_settings(client, login_as):
    login_as("affiliate")
    response = client.get("/auth/account")
    assert response.status_code == 301 and response.headers["Location"] == "/settings"


def test_the_name_is_saved_and_audited(client, login_as):
    user = login_as("affiliate")
    response = post(client, "/settings/profile", {"profile-name": "  Trần Thị Lan "})
    assert response.status_code == 302 and response.headers["Location"] == "/settings#profile"
    db.session.refresh(user)
    assert user.name == "Trần Thị Lan"
    assert db.session.scalar(db.select(AuditEvent.action).where(AuditEvent.action == "user.renamed"))


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_a_bad_name_is_refused_beside_the_field(client, login_as, name):
    user = login_as("affiliate")
    html = post(client, "/settings/profile", {"profile-name": name}).get_data(as_text=True)
    assert 'id="profile-name-error"' in html
    db.session.refresh(user)
    assert user.name.startswith("Affiliate")


def test_the_language_is_saved_for_pages_and_emails(client, login_as):
    user = login_as(make_user("affiliate", locale="en"))
    post(client, "/settings/language", {"language-locale": "vi"})
    db.session.refresh(user)
    assert user.locale == "vi"
    assert '<html lang="vi">' in client.get("/settings", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_an_unknown_language_is_refused(client, login_as):
    user = login_as(make_user("affiliate", locale="en"))
    html = post(client, "/settings/language", {"language-locale": "fr"}).get_data(as_text=True)
    assert 'id="language-locale-error"' in html
    db.session.refresh(user)
    assert user.locale == "en"


def test_email_choices_are_saved(client, login_as):
    user = login_as("affiliate")
    post(client, "/settings/notifications", {"notify-new_conversion": "y", "notify-payout_state": "y"})
    db.session.refresh(user)
    assert (user.notify_new_conversion, user.notify_conversion_decided, user.notify_payout_state,
            user.notify_application_decided) == (True, False, True, False)
    html = client.get("/settings").get_data(as_text=True)
    assert '<input checked id="notify-new_conversion"' in html
    assert '<input id="notify-conversion_decided"' in html


def test_a_merchant_cannot_turn_off_what_only_affiliates_get(client, login_as):
    merchant = login_as("merchant")
    post(client, "/settings/notifications", {"notify-application_decided": ""})
    db.session.refresh(merchant)
    assert merchant.notify_new_conversion is False and merchant.notify_application_decided is True


def test_changing_the_email_takes_the_link_sent_to_the_new_address(app, client, login_as, outbox):
    user = login_as(make_user("affiliate", email="lan@example.com"))
    response = post(client, "/settings/email", {"email-email": "Lan.New@Example.com", "email-password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email == "lan@example.com"  # nothing changes before the link is opened
    [message] = outbox
    assert message["to"] == "lan.new@example.com"
    path = link_in(message)

    other_browser = app.test_client()  # the link may be opened anywhere; the button confirms
    assert "lan.new@example.com" in other_browser.get(path).get_data(as_text=True)
    assert find_by_email("lan@example.com") is not None
    response = post_form(other_browser, path, token_url=path)
    assert response.status_code == 302 and response.headers["Location"] == "/auth/sign-in"
    db.session.refresh(user)
    assert user.email == "lan.new@example.com"
    assert outbox[-1]["to"] == "lan@example.com"  # the old address is told
    assert db.session.scalar(db.select(AuditEvent.action).where(AuditEvent.action == "user.email_changed"))

    # Used once: the link names the old address, which the account no longer has.
    response = other_browser.get(path)
    assert response.status_code == 302


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"email-email": "new@example.com", "email-password": "wrong password"}, "password", "current password is wrong"),
    ({"email-email": "taken@example.com", "email-password": PASSWORD}, "email", "already exists"),
    ({"email-email": "me@example.com", "email-password": PASSWORD}, "email", "already your email"),
    ({"email-email": "not-an-email", "email-password": PASSWORD}, "email", "valid email"),
])
def test_a_refused_email_change_says_why_beside_the_field(client, login_as, outbox, data, field, message):
    make_user("merchant", email="taken@example.com")
    login_as(make_user("affiliate", email="me@example.com"))
    html = post(client, "/settings/email", data).get_data(as_text=True)
    error = re.search(rf'<span class="error" id="email-{field}-error">([^<]*)</span>', html)
    assert error and message in error.group(1)
    assert outbox == []


def test_an_email_taken_after_the_link_was_sent_is_not_changed(client, login_as, outbox):
    user = login_as(make_user("affiliate", email="me@example.com"))
    post(client, "/settings/email", {"email-email": "new@example.com", "email-password": PASSWORD})
    path = link_in(outbox[0])
    make_user("merchant", email="new@example.com")
    post_form(client, path, token_url=path)
    db.session.refresh(user)
    assert user.email == "me@example.com"


def test_an_expired_or_forged_link_changes_nothing(app, client, login_as, outbox, monkeypatch):
    user = login_as(make_user("affiliate", email="me@example.com"))
    post(client, "/settings/email", {"email-email": "new@example.com", "email-password": PASSWORD})
    path = link_in(outbox[0])
    assert client.get(path[:-3] + "abc").status_code == 302
    monkeypatch.setitem(app.config, "EMAIL_CHANGE_MAX_AGE", -1)
    assert client.get(path).status_code == 302
    db.session.refresh(user)
    assert user.email == "me@example.com"


def test_the_password_change_keeps_this_session_only(app, client, login_as):
    user = login_as(make_user("affiliate"))
    other_device = signed_in_client(app, user)
    response = post(client, "/settings/password", {"password-current_password": PASSWORD,
                                                   "password-password": "a new long password",
                                                   "password-confirm": "a new long password"})
    assert response.headers["Location"] == "/settings#password"
    assert client.get("/settings").status_code == 200
    assert other_device.get("/settings").status_code == 302


def test_signing_out_the_other_sessions_keeps_this_one(app, client, login_as):
    user = login_as(make_user("merchant"))
    other_device = signed_in_client(app, user)
    assert other_device.get("/settings").status_code == 200
    response = post(client, "/settings/sessions", {})
    assert response.status_code == 302 and response.headers["Location"] == "/settings#sessions"
    assert client.get("/settings").status_code == 200
    assert other_device.get("/settings").status_code == 302
    assert db.session.scalar(db.select(AuditEvent.action).where(AuditEvent.action == "user.signed_out_everywhere"))
