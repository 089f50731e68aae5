"""The user management pages over HTTP: access, the list, creating, disabling and enabling, one user's page."""
import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.users import User
from tests.factories import PASSWORD, make_user
from tests.routes.csrf import post_form
from tests.sessions import signed_in_client

HX = {"HX-Request": "true"}


def flashes(client):
    with client.session_transaction() as session:
        return [message for _, message in session.get("_flashes", [])]


def user_rows(html):
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>.*?</tr>", body, re.S)


def user_count():
    return db.session.scalar(select(func.count()).select_from(User))


# Access


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/users/1"])
@pytest.mark.parametrize("role", ["merchant", "affiliate"])
def test_other_roles_are_refused(client, login_as, path, role):
    login_as(role)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", ["merchant", "affiliate"])
def test_other_roles_cannot_disable_anyone(client, login_as, role):
    target = make_user("affiliate")
    login_as(role)
    assert post_form(client, f"/admin/users/{target.id}/disable", token_url="/settings").status_code == 403
    assert not db.session.get(User, target.id).is_disabled


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/users/1"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/sign-in?next=")


# The list


def test_list_shows_role_created_and_last_sign_in(client, login_as):
    login_as("admin")
    seen = make_user("affiliate", name="Seen Before")
    seen.last_login_at = datetime(2024, 2, 3, 4, 5)
    db.session.commit()
    html = client.get("/admin/users").get_data(as_text=True)
    (row,) = [r for r in user_rows(html) if "Seen Before" in r]
    assert "Affiliate" in row and "Feb 3, 2024" in row and f'href="/admin/users/{seen.id}"' in row
    assert 'href="/admin/users"' in client.get("/home/admin").get_data(as_text=True)


def test_search_and_role_filter(client, login_as):
    login_as("admin", name="The Admin")
    make_user("affiliate", name="Nguyen Lan", email="lan@blog.example")
    make_user("merchant", name="Tran Minh", company_name="Minh Shop", email="sales@minh.example")
    found = user_rows(client.get("/admin/users?q=lan").get_data(as_text=True))
    assert len(found) == 1 and "lan@blog.example" in found[0]
    found = user_rows(client.get("/admin/users?q=MINH.example").get_data(as_text=True))
    assert len(found) == 1 and "Minh Shop" in found[0]
    merchants = user_rows(client.get("/admin/users?role=merchant").get_data(as_text=True))
    assert len(merchants) == 1 and "sales@minh.example" in merchants[0]
    html = client.get("/admin/users?role=owner").get_data(as_text=True)
    assert len(user_rows(html)) == 3 and "Not a valid choice" in html


def test_status_filter(client, login_as):
    admin = login_as("admin")
    gone = make_user("affiliate", email="gone@example.com")
    post_form(client, f"/admin/users/{gone.id}/disable", token_url="/admin/users")
    disabled = user_rows(client.get("/admin/users?status=disabled").get_data(as_text=True))
    assert len(disabled) == 1 and "gone@example.com" in disabled[0]
    active = user_rows(client.get("/admin/users?status=active").get_data(as_text=True))
    assert len(active) == 1 and admin.email in active[0]


def test_pages_and_htmx_partial(client, login_as):
    login_as("admin")
    for _ in range(26):
        make_user("affiliate")
    first = client.get("/admin/users")
    assert len(user_rows(first.get_data(as_text=True))) == 25 and "Page 1 of 2" in first.get_data(as_text=True)
    partial = client.get("/admin/users?page=2", headers=HX)
    html = partial.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="users-table">') and "<html" not in html
    assert len(user_rows(html)) == 2 and "HX-Request" in partial.headers["Vary"]


# Creating an account


def test_create_user_errors_sit_beside_their_fields_and_nothing_is_saved(client, login_as):
    login_as("admin")
    make_user("affiliate", email="taken@example.com")
    before = user_count()
    response = post_form(client, "/admin/users/new", {
        "role": "merchant", "name": "Ha", "email": "TAKEN@example.com", "password": "long enough pw",
        "confirm": "different pw!", "company_name": "", "website": "ftp://ha.example",
    }, token_url="/admin/users/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="email-error">An account with this email already exists', html)
    assert re.search(r'id="confirm-error">Passwords do not match', html)
    assert re.search(r'id="company_name-error">Merchants need a company name', html)
    assert re.search(r'id="website-error">Enter a full http\(s\) address', html)
    assert 'value="TAKEN@example.com"' in html and 'value="Ha"' in html
    assert user_count() == before


def test_short_password_is_refused(client, login_as):
    login_as("admin")
    before = user_count()
    html = post_form(client, "/admin/users/new", {
        "role": "affiliate", "name": "X", "email": "x@example.com", "password": "short", "confirm": "short",
    }, token_url="/admin/users/new").get_data(as_text=True)
    assert re.search(r'id="password-error">Password must be 8 to 128 characters', html)
    assert user_count() == before


def test_admin_creates_an_account_of_any_role(client, login_as):
    admin = login_as("admin")
    response = post_form(client, "/admin/users/new", {
        "role": "admin", "name": "Second Admin", "email": "ops2@example.com", "password": "long enough pw",
        "confirm": "long enough pw",
    }, token_url="/admin/users/new")
    user = db.session.scalar(select(User).where(User.email == "ops2@example.com"))
    assert user.role == "admin"
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/users/{user.id}"
    assert "Account created for ops2@example.com." in flashes(client)
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created",
                                                     AuditEvent.object_id == str(user.id)))
    assert row.actor_id == admin.id and row.ip == "127.0.0.1"


# Disabling and enabling


def test_disabling_with_htmx_swaps_the_status_and_ends_the_users_session(app, client, login_as):
    target = make_user("affiliate", email="target@example.com")
    their_client = signed_in_client(app, target)
    assert their_client.get("/home/affiliate").status_code == 200
    admin = login_as("admin")
    response = post_form(client, f"/admin/users/{target.id}/disable", headers=HX, token_url="/admin/users")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith(f'<div id="user-status-{target.id}"')
    assert "Disabled" in html and f'hx-post="/admin/users/{target.id}/enable"' in html
    assert "HX-Request" in response.headers["Vary"]
    db.session.expire_all()
    assert db.session.get(User, target.id).is_disabled
    gone = their_client.get("/home/affiliate")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/auth/sign-in")
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.disabled"))
    assert (row.actor_id, row.object_id, row.ip) == (admin.id, str(target.id), "127.0.0.1")
    signed_in = post_form(their_client, "/auth/sign-in", {"email": "target@example.com", "password": PASSWORD})
    assert signed_in.status_code == 200 and "Wrong email or password" in signed_in.get_data(as_text=True)


def test_enabling_without_htmx_redirects_back_with_a_message(client, login_as):
    login_as("admin")
    target = make_user("affiliate")
    post_form(client, f"/admin/users/{target.id}/disable", token_url="/admin/users")
    response = post_form(client, f"/admin/users/{target.id}/enable",
                         {"next": f"/admin/users/{target.id}"}, token_url="/admin/users")
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/users/{target.id}"
    assert "Account enabled." in flashes(client)
    db.session.expire_all()
    assert not db.session.get(User, target.id).is_disabled
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "user.enabled")) == 1


def test_an_admin_cannot_disable_themselves(client, login_as):
    admin = login_as("admin")
    assert f"/admin/users/{admin.id}/disable" not in client.get("/admin/users").get_data(as_text=True)
    html = post_form(client, f"/admin/users/{admin.id}/disable", headers=HX,
                     token_url="/admin/users").get_data(as_text=True)
    assert "You cannot disable your own account." in html
    response = post_form(client, f"/admin/users/{admin.id}/disable", token_url="/admin/users")
    assert response.status_code == 302 and "You cannot disable your own account." in flashes(client)
    db.session.expire_all()
    assert not db.session.get(User, admin.id).is_disabled
    assert client.get("/admin/users").status_code == 200
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "user.disabled")) == 0


def test_disabling_needs_the_csrf_token_and_an_existing_user(client, login_as):
    login_as("admin")
    target = make_user("affiliate")
    assert client.post(f"/admin/users/{target.id}/disable").status_code == 400
    assert not db.session.get(User, target.id).is_disabled
    assert post_form(client, "/admin/users/999999/disable", token_url="/admin/users").status_code == 404


# One user's page


def test_user_detail_masks_payout_details_and_lists_recent_events(client, login_as):
    admin = login_as("admin")
    affiliate = make_user("affiliate", name="Lan", website="https://lan.example")
    profile = affiliate.affiliate_profile
    profile.payout_method, profile.bank_name, profile.bank_account = "bank_transfer", "Vietcombank", "0071000123456"
    profile.account_holder = "NGUYEN THI LAN"
    db.session.commit()
    post_form(client, f"/admin/users/{affiliate.id}/disable", token_url="/admin/users")
    html = client.get(f"/admin/users/{affiliate.id}").get_data(as_text=True)
    assert "0071000123456" not in html and re.search(r"••••\s?3456", html)
    assert "Vietcombank" in html and "NGUYEN THI LAN" in html and "Bank transfer" in html
    assert "https://lan.example" in html and "Affiliate" in html
    assert "user.disabled" in html and "user.created" in html and admin.email in html
    assert f'hx-post="/admin/users/{affiliate.id}/enable"' in html


def test_merchant_detail_shows_the_company(client, login_as):
    login_as("admin")
    merchant = make_user("merchant", company_name="Ha Shop", website="https://ha.example")
    html = client.get(f"/admin/users/{merchant.id}").get_data(as_text=True)
    assert "Ha Shop" in html and "https://ha.example" in html and "Payout details" not in html


def test_unknown_user_is_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/users/999999").status_code == 404
