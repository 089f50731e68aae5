"""Who may sign up by themselves: the admin's policy decides which roles the sign-up page offers."""
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.users import User
from app.services.accounts import sign_up_policy
from tests.routes.csrf import post_form

FORM = {"name": "Lan", "email": "lan@example.com", "password": "s3cret-enough", "confirm": "s3cret-enough",
        "company_name": "Lan Shop", "website": "https://lan.example"}


def users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def sign_up(client, role):
    return post_form(client, "/auth/sign-up", dict(FORM, role=role), token_url="/auth/sign-up")


def test_a_new_install_lets_affiliates_sign_up_and_merchants_only_by_invitation(client):
    assert sign_up_policy.current() == "affiliates"
    html = client.get("/auth/sign-up?role=merchant").get_data(as_text=True)
    assert 'value="affiliate"' in html and 'name="company_name"' not in html
    assert 'href="/auth/sign-up?role=merchant"' not in html  # no merchant choice offered
    response = sign_up(client, "merchant")
    assert response.status_code == 200 and "Merchants join by invitation" in response.get_data(as_text=True)
    assert users() == 0
    assert sign_up(client, "affiliate").status_code == 302
    assert db.session.scalar(select(User.role)) == "affiliate"


def test_an_open_program_offers_both_roles(app, client):
    sign_up_policy.set_policy("open", None)
    html = client.get("/auth/sign-up").get_data(as_text=True)
    assert 'href="/auth/sign-up?role=merchant"' in html and 'href="/auth/sign-up?role=affiliate"' in html
    assert sign_up(client, "merchant").status_code == 302
    assert db.session.scalar(select(User.role)) == "merchant"


@pytest.mark.parametrize("role", ["affiliate", "merchant", "admin", ""])
def test_an_invitation_only_program_lets_nobody_sign_up(app, client, role):
    sign_up_policy.set_policy("invitation", None)
    html = client.get("/auth/sign-up").get_data(as_text=True)
    assert "by invitation only" in html and 'name="password"' not in html
    sign_up(client, role)
    assert users() == 0


def test_nobody_signs_up_as_an_admin(client):
    sign_up_policy.set_policy("open", None)
    assert "Merchants join by invitation" in sign_up(client, "admin").get_data(as_text=True)
    assert users() == 0


def test_the_admin_sets_the_policy_and_it_is_audited(client, login_as):
    admin = login_as("admin")
    html = client.get("/invitations").get_data(as_text=True)
    assert 'id="sign-up-policy"' in html and re.search(r'<input checked[^>]*value="affiliates"', html)
    response = post_form(client, "/invitations/policy", {"policy": "invitation"}, token_url="/invitations")
    assert response.status_code == 302
    assert sign_up_policy.current() == "invitation"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.sign_up_policy"))
    assert (event.actor_id, event.before, event.after) == (admin.id, {"policy": "affiliates"}, {"policy": "invitation"})


def test_an_unknown_policy_is_refused_beside_the_field(client, login_as):
    login_as("admin")
    html = post_form(client, "/invitations/policy", {"policy": "everyone"}, token_url="/invitations").get_data(
        as_text=True)
    assert 'id="policy-error"' in html
    assert sign_up_policy.current() == "affiliates"


def test_only_admins_set_the_policy(client, login_as):
    login_as("merchant")
    assert post_form(client, "/invitations/policy", {"policy": "open"}, token_url="/invitations").status_code == 403
    assert 'id="sign-up-policy"' not in client.get("/invitations").get_data(as_text=True)
    assert sign_up_policy.current() == "affiliates"
