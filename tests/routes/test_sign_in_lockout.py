"""Sign-in cannot be turned against its owner: strangers failing on an account never keep the owner out.

Failures are limited per address and per account+address; failures on the account from anywhere only
slow down the addresses that failed (a growing wait), and the owner is told by email when many pile up.
"""
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditEvent
from tests.factories import PASSWORD, make_user
from tests.routes.csrf import csrf_token

OWNER_IP = "198.51.100.7"


def attempt(client, email, password, ip):
    token = getattr(client, "csrf", None) or csrf_token(client)
    client.csrf = token  # one session per client, so its token stays valid
    return client.post("/auth/sign-in", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": ip})


def signed_in(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].endswith("/dashboard")


def test_strangers_failing_from_many_addresses_cannot_keep_the_owner_out(app):
    make_user(email="owner@example.com")
    attacker = app.test_client()
    for n in range(60):
        attempt(attacker, "owner@example.com", f"guess {n}", f"203.0.113.{n % 12 + 1}")
    owner = app.test_client()
    assert signed_in(attempt(owner, "owner@example.com", PASSWORD, OWNER_IP))


def test_an_admin_cannot_be_locked_out_either(app):
    make_user("admin", email="root@example.com")
    attacker = app.test_client()
    for n in range(30):
        attempt(attacker, "root@example.com", f"guess {n}", "203.0.113.50")
    assert signed_in(attempt(app.test_client(), "root@example.com", PASSWORD, OWNER_IP))


def test_an_address_that_keeps_failing_on_an_account_is_refused_with_429(app):
    make_user(email="owner@example.com")
    client = app.test_client()
    for _ in range(5):
        response = attempt(client, "owner@example.com", "wrong password", "203.0.113.9")
        assert "Wrong email or password." in response.get_data(as_text=True)
    refused = attempt(client, "owner@example.com", PASSWORD, "203.0.113.9")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in refused.get_data(as_text=True)


def test_one_address_guessing_across_accounts_is_refused(app):
    make_user(email="owner@example.com")
    client = app.test_client()
    for n in range(app.config["SIGNIN_MAX_PER_IP"]):
        attempt(client, f"guess{n}@example.com", "wrong password", "203.0.113.77")
    assert attempt(client, "owner@example.com", PASSWORD, "203.0.113.77").status_code == 429
    assert signed_in(attempt(app.test_client(), "owner@example.com", PASSWORD, OWNER_IP))


def test_a_brute_force_from_many_addresses_is_still_slowed(app):
    """Each address may guess again only after a wait that grows with the account's failures."""
    make_user(email="owner@example.com")
    client = app.test_client()
    checked = refused = 0
    addresses = [f"203.0.113.{n}" for n in range(1, 31)]
    for _round in range(3):
        for ip in addresses:
            response = attempt(client, "owner@example.com", "a wrong guess", ip)
            if response.status_code == 429:
                refused += 1
            else:
                assert "Wrong email or password." in response.get_data(as_text=True)
                checked += 1
    # 90 attempts: the first from each address is checked, after that the waits refuse nearly all.
    assert checked <= len(addresses) + app.config["SIGNIN_SLOW_AFTER"]
    assert refused >= 90 - checked


def test_the_owner_is_emailed_once_when_failures_pile_up(app, outbox):
    make_user(email="owner@example.com")
    client = app.test_client()
    for n in range(app.config["SIGNIN_ALERT_AFTER"] + 10):
        attempt(client, "owner@example.com", "wrong", f"203.0.113.{n + 1}")
    alerts = [m for m in outbox if m["to"] == "owner@example.com"]
    assert len(alerts) == 1
    assert "sign-in" in alerts[0]["subject"].lower()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.sign_in_alert")) is not None


def test_the_owners_success_does_not_reset_the_strangers_count(app):
    make_user(email="owner@example.com")
    client = app.test_client()
    for _ in range(5):
        attempt(client, "owner@example.com", "wrong password", "203.0.113.9")
    assert signed_in(attempt(app.test_client(), "owner@example.com", PASSWORD, OWNER_IP))
    assert attempt(client, "owner@example.com", PASSWORD, "203.0.113.9").status_code == 429
