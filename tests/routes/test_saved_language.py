"""A person's language is kept on their account: at sign-up, at sign-in and whenever they pick one."""
from app.extensions import db
from app.services.accounts.accounts import find_by_email
from tests.factories import PASSWORD, make_user
from tests.routes.csrf import post_form
from tests.routes.test_i18n import html_lang

SIGN_UP = {"role": "affiliate", "name": "Lan", "email": "lan@example.com", "password": PASSWORD,
           "confirm": PASSWORD, "company_name": "", "website": ""}


def sign_in(client, email, **kwargs):
    return post_form(client, "/auth/sign-in", {"email": email, "password": PASSWORD}, **kwargs)


def test_sign_up_saves_the_language_the_browser_asked_for(client):
    response = post_form(client, "/auth/sign-up", SIGN_UP, headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    assert response.status_code == 302
    assert find_by_email("lan@example.com").locale == "vi"


def test_sign_up_saves_the_picked_language_over_the_browsers(client):
    post_form(client, "/language", {"lang": "en", "next": "/"})
    post_form(client, "/auth/sign-up", SIGN_UP, headers={"Accept-Language": "vi"})
    assert find_by_email("lan@example.com").locale == "en"


def test_the_picker_saves_the_language_on_the_account(client, login_as):
    user = login_as(make_user("affiliate", locale="en"))
    post_form(client, "/language", {"lang": "vi", "next": "/"})
    db.session.refresh(user)
    assert user.locale == "vi"


def test_the_picker_refuses_unknown_languages_on_the_account_too(client, login_as):
    user = login_as(make_user("affiliate", locale="en"))
    post_form(client, "/language", {"lang": "xx", "next": "/"})
    db.session.refresh(user)
    assert user.locale == "en"


def test_an_account_without_a_language_takes_the_browsers_at_sign_in(client):
    user = make_user(email="old@example.com")
    assert user.locale is None
    sign_in(client, "old@example.com", headers={"Accept-Language": "vi"})
    db.session.refresh(user)
    assert user.locale == "vi"


def test_a_saved_language_is_not_replaced_by_the_browsers(client):
    user = make_user(email="a@example.com", locale="vi")
    sign_in(client, "a@example.com", headers={"Accept-Language": "en"})
    db.session.refresh(user)
    assert user.locale == "vi"
    assert html_lang(client.get("/home/affiliate", headers={"Accept-Language": "en"})) == "vi"


def test_a_language_picked_before_signing_in_becomes_the_accounts(client):
    user = make_user(email="a@example.com", locale="vi")
    post_form(client, "/language", {"lang": "en", "next": "/"})
    sign_in(client, "a@example.com")
    db.session.refresh(user)
    assert user.locale == "en"


def test_a_failed_sign_in_saves_nothing(client):
    user = make_user(email="a@example.com")
    post_form(client, "/auth/sign-in", {"email": "a@example.com", "password": "wrong password"},
              headers={"Accept-Language": "vi"})
    db.session.refresh(user)
    assert user.locale is None
