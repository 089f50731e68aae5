"""Sign-up: every field's rules, errors beside the field, nothing saved on error."""
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.users import AffiliateProfile, MerchantProfile, User
from app.services.accounts import sign_up_policy
from tests.factories import make_user
from tests.routes.csrf import post_form

VALID = {"role": "affiliate", "name": "Lan Nguyen", "email": "lan@example.com",
         "password": "s3cret-enough", "confirm": "s3cret-enough", "company_name": "", "website": ""}
MERCHANT = dict(VALID, role="merchant", company_name="Lan Shop", website="https://lan.example")


@pytest.fixture(autouse=True)
def open_sign_up(app):
    """These tests are about the fields; who may sign up is tested in test_sign_up_policy.py."""
    sign_up_policy.set_policy("open", None)


def sign_up(client, **changes):
    return post_form(client, "/auth/sign-up", {**VALID, **changes}, token_url="/auth/sign-up")


def field_error(html: str, field: str) -> str | None:
    """The error text shown beside `field`, or None."""
    found = re.search(rf'<span class="error" id="{field}-error">([^<]*)</span>', html)
    return found.group(1) if found else None


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize(("role", "fields"), [
    ("affiliate", ("name", "email", "password", "confirm", "website")),
    ("merchant", ("name", "email", "password", "confirm", "company_name", "website")),
])
def test_sign_up_page_shows_and_labels_the_fields_of_the_chosen_role(client, role, fields):
    html = client.get(f"/auth/sign-up?role={role}").get_data(as_text=True)
    assert ('name="company_name"' in html) == (role == "merchant")
    assert f'name="role" type="hidden" value="{role}"' in html
    for field in fields:
        assert f'for="{field}"' in html


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": ""}, "name", "This field is required"),
    ({"name": "   "}, "name", "This field is required"),
    ({"email": ""}, "email", "This field is required"),
    ({"email": "not-an-email"}, "email", "Enter a valid email address"),
    ({"email": "a@b@example.com"}, "email", "Enter a valid email address"),
    ({"password": "7chars!", "confirm": "7chars!"}, "password", "8 to 128 characters"),
    ({"password": "x" * 129, "confirm": "x" * 129}, "password", "8 to 128 characters"),
    ({"confirm": "something else"}, "confirm", "Passwords do not match"),
    ({"confirm": ""}, "confirm", "This field is required"),
    ({"website": "ftp://lan.example"}, "website", "http(s)"),
    ({"website": "javascript:alert(1)"}, "website", "http(s)"),
    ({"website": "lan.example"}, "website", "http(s)"),
    ({"role": "merchant", "company_name": "", "website": "https://lan.example"}, "company_name",
     "Merchants need a company name"),
    ({"role": "merchant", "company_name": "   ", "website": "https://lan.example"}, "company_name",
     "Merchants need a company name"),
    ({"role": "merchant", "company_name": "Lan Shop", "website": ""}, "website", "Merchants need a website"),
    ({"role": "merchant", "company_name": "Lan Shop", "website": "shop"}, "website", "http(s)"),
])
def test_each_rule_shows_its_error_beside_the_field_and_saves_nothing(client, changes, field, message):
    response = sign_up(client, **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    error = field_error(html, field)
    assert error is not None, f"no error beside {field}"
    assert message in error
    assert user_count() == 0


def test_entered_values_are_kept_but_passwords_are_not(client):
    html = sign_up(client, confirm="different password", name="Lan <Nguyen>",
                   website="https://lan.example/blog").get_data(as_text=True)
    assert 'value="Lan &lt;Nguyen&gt;"' in html
    assert 'value="lan@example.com"' in html
    assert 'value="https://lan.example/blog"' in html
    assert "s3cret-enough" not in html
    assert user_count() == 0


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@Example.com", " taken@example.com "])
def test_duplicate_email_is_refused_case_insensitively(client, email):
    make_user(email="taken@example.com")
    html = sign_up(client, email=email).get_data(as_text=True)
    assert "already exists" in field_error(html, "email")
    assert user_count() == 1


def test_duplicate_that_slips_past_the_form_check_is_an_error_not_a_crash(client, monkeypatch):
    from app.blueprints.auth.forms import SignUpForm

    make_user(email="taken@example.com")
    monkeypatch.setattr(SignUpForm, "validate_email", lambda form, field: None)
    response = sign_up(client, email="taken@example.com")
    assert response.status_code == 200
    assert "already exists" in field_error(response.get_data(as_text=True), "email")
    assert user_count() == 1


@pytest.mark.parametrize("length", [8, 128])
def test_password_length_limits_are_inclusive(client, length):
    password = "p" * length
    response = sign_up(client, password=password, confirm=password)
    assert response.status_code == 302
    assert user_count() == 1


def test_affiliate_sign_up_creates_profile_and_signs_in(client):
    response = sign_up(client, email="New@Example.com", website="https://blog.example")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    user = db.session.scalar(select(User))
    assert (user.email, user.role, user.name) == ("new@example.com", "affiliate", "Lan Nguyen")
    profile = db.session.get(AffiliateProfile, user.id)
    assert profile.website == "https://blog.example"
    assert db.session.get(MerchantProfile, user.id) is None
    home = client.get("/dashboard", follow_redirects=True)
    assert home.request.path == "/home/affiliate"
    assert "Welcome! Your account is ready." in home.get_data(as_text=True)


def test_merchant_sign_up_creates_profile_and_signs_in(client):
    response = sign_up(client, **MERCHANT)
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.role == "merchant"
    profile = db.session.get(MerchantProfile, user.id)
    assert (profile.company_name, profile.website) == ("Lan Shop", "https://lan.example")
    assert client.get("/dashboard", follow_redirects=True).request.path == "/home/merchant"


def test_affiliate_company_name_is_not_stored_on_a_merchant_profile(client):
    sign_up(client, company_name="Ignored Inc")
    user = db.session.scalar(select(User))
    assert user.role == "affiliate" and db.session.get(MerchantProfile, user.id) is None


def test_signed_in_users_are_sent_to_their_dashboard(client, login_as):
    login_as("merchant")
    response = client.get("/auth/sign-up")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
