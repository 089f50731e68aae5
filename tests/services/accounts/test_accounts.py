"""Accounts: creating users, passwords, sign-in throttling, sessions and reset tokens."""
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select, update

from app.config import Config
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.common import utcnow
from app.models.users import SignInFailure, User
from app.services.accounts import accounts, admin
from app.services.accounts.accounts import (
    EmailTaken,
    InvalidCredentials,
    InvalidResetToken,
    WeakPassword,
)
from app.services.accounts.throttle import TooManyAttempts, slow_down_seconds
from app.services.common.errors import ServiceError
from tests.factories import PASSWORD, make_user

IP = "203.0.113.7"


def test_create_user_normalises_email_and_records_audit(app):
    user = accounts.create_user("  Ann@Example.COM ", "longenough", "affiliate", " Ann ")
    assert user.email == "ann@example.com"
    assert user.name == "Ann"
    assert user.affiliate_profile is not None and user.merchant_profile is None
    assert user.password_hash.startswith("$argon2id$") and "longenough" not in user.password_hash
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))
    assert event.object_id == str(user.id) and event.after == {"email": "ann@example.com", "role": "affiliate"}


def test_merchant_gets_a_profile_with_company_and_website(app):
    user = accounts.create_user("shop@example.com", "longenough", "merchant", "Bob",
                                company_name="Bob's Shop", website="https://bob.example")
    assert user.merchant_profile.company_name == "Bob's Shop"
    assert user.merchant_profile.website == "https://bob.example"
    assert user.display_name == "Bob's Shop"


def test_duplicate_email_is_refused_whatever_its_case(app):
    make_user("affiliate", email="taken@example.com")
    with pytest.raises(EmailTaken) as caught:
        accounts.create_user("TAKEN@example.com", "longenough", "merchant", "Other")
    assert caught.value.field == "email"
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_email_taken_between_check_and_insert_is_still_email_taken(app, monkeypatch):
    make_user("affiliate", email="taken@example.com")
    monkeypatch.setattr(accounts, "find_by_email", lambda email: None)  # lose the race to the other sign-up
    with pytest.raises(EmailTaken):
        accounts.create_user("taken@example.com", "longenough", "affiliate", "Late")
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_unknown_role_is_refused(app):
    with pytest.raises(ServiceError) as caught:
        accounts.create_user("x@example.com", "longenough", "superuser", "X")
    assert caught.value.field == "role"


@pytest.mark.parametrize(("length", "accepted"), [(7, False), (8, True), (128, True), (129, False)])
def test_password_length_limits(app, length, accepted):
    if accepted:
        assert accounts.hash_password("p" * length).startswith("$argon2id$")
    else:
        with pytest.raises(WeakPassword):
            accounts.hash_password("p" * length)


def test_production_argon2_parameters(app, monkeypatch):
    for name in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM"):
        monkeypatch.setitem(app.config, name, getattr(Config, name))
    assert "$m=19456,t=2,p=1$" in accounts.hash_password("a long password")


def test_authenticate_returns_the_user_and_notes_the_sign_in(app):
    user = make_user("merchant", email="m@example.com")
    assert accounts.authenticate(" M@Example.com", PASSWORD, IP) == user
    assert user.last_login_ip == IP and user.last_login_at is not None


def test_wrong_password_and_unknown_email_fail_alike_and_are_counted(app):
    make_user(email="a@example.com")
    with pytest.raises(InvalidCredentials):
        accounts.authenticate("a@example.com", "wrong password", IP)
    with pytest.raises(InvalidCredentials):
        accounts.authenticate("nobody@example.com", PASSWORD, IP)
    assert db.session.scalar(select(db.func.count()).select_from(SignInFailure)) == 2


def _fail(email, ip=IP, times=1):
    for _ in range(times):
        with pytest.raises(InvalidCredentials):
            accounts.authenticate(email, "wrong password", ip)


def test_an_address_that_failed_five_times_on_an_account_is_refused_but_not_the_owner(app):
    make_user(email="a@example.com")
    _fail("a@example.com", times=4)
    assert accounts.authenticate("a@example.com", PASSWORD, IP)  # success clears this address's count
    _fail("a@example.com", times=5)
    with pytest.raises(TooManyAttempts) as refused:
        accounts.authenticate("a@example.com", PASSWORD, IP)
    assert refused.value.retry_after >= 1
    assert accounts.authenticate("a@example.com", PASSWORD, "198.51.100.1")


def test_one_address_is_limited_across_many_accounts(app):
    make_user(email="victim@example.com")
    for n in range(20):
        _fail(f"guess{n}@example.com")
    with pytest.raises(TooManyAttempts):
        accounts.authenticate("victim@example.com", PASSWORD, IP)
    # Another address is not affected.
    assert accounts.authenticate("victim@example.com", PASSWORD, "198.51.100.1")


def test_the_wait_grows_with_the_accounts_failures_up_to_the_maximum(app):
    slow_after, most = app.config["SIGNIN_SLOW_AFTER"], app.config["SIGNIN_MAX_DELAY_SECONDS"]
    assert slow_down_seconds(slow_after - 1) == 0
    assert [slow_down_seconds(slow_after + n) for n in range(4)] == [1, 2, 4, 8]
    assert slow_down_seconds(slow_after + 1000) == most


def test_failures_expire_after_the_window(app):
    make_user(email="a@example.com")
    _fail("a@example.com", times=5)
    with pytest.raises(TooManyAttempts):
        accounts.authenticate("a@example.com", PASSWORD, IP)
    window = app.config["SIGNIN_WINDOW_SECONDS"]
    db.session.execute(update(SignInFailure).values(created_at=utcnow() - timedelta(seconds=window + 1)))
    db.session.commit()
    assert accounts.authenticate("a@example.com", PASSWORD, IP)


def test_disabled_account_cannot_sign_in(app):
    user = make_user(email="a@example.com")
    admin.set_disabled(user.id, True, actor_id=None)
    with pytest.raises(InvalidCredentials):
        accounts.authenticate("a@example.com", PASSWORD, IP)


def test_disable_rotates_the_session_and_enable_restores_sign_in(app):
    user = make_user(email="a@example.com")
    old = user.get_id()
    admin.set_disabled(user.id, True, actor_id=None)
    assert user.get_id() != old and not user.is_active
    admin.set_disabled(user.id, False, actor_id=None)
    assert accounts.authenticate("a@example.com", PASSWORD, IP) == user
    with pytest.raises(ServiceError):
        admin.set_disabled(user.id + 1, True, actor_id=None)


def test_sign_out_rotates_the_session_token(app):
    user = make_user()
    old = user.session_token
    accounts.sign_out(user)
    assert user.session_token != old


def test_change_password_checks_the_current_one(app):
    user = make_user(email="a@example.com")
    token = user.session_token
    with pytest.raises(InvalidCredentials) as caught:
        accounts.change_password(user, "not it at all", "brand new password")
    assert caught.value.field == "current_password"
    assert user.session_token == token
    accounts.change_password(user, PASSWORD, "brand new password")
    assert user.session_token != token
    assert accounts.authenticate("a@example.com", "brand new password", IP) == user
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_changed"))


def test_reset_token_works_once_and_rotates_the_session(app):
    user = make_user(email="a@example.com")
    session_token = user.session_token
    token = accounts.make_reset_token(user)
    assert accounts.user_for_reset_token(token) == user
    accounts.reset_password(token, "a fresh password")
    assert user.session_token != session_token
    assert accounts.authenticate("a@example.com", "a fresh password", IP) == user
    with pytest.raises(InvalidResetToken):
        accounts.reset_password(token, "another password")


def test_reset_token_expires(app, monkeypatch):
    user = make_user()
    max_age = app.config["PASSWORD_RESET_MAX_AGE"]
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - max_age - 5)
    token = accounts.make_reset_token(user)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    with pytest.raises(InvalidResetToken):
        accounts.user_for_reset_token(token)


def test_reset_token_just_inside_the_window_still_works(app, monkeypatch):
    user = make_user()
    max_age = app.config["PASSWORD_RESET_MAX_AGE"]
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - max_age + 60)
    token = accounts.make_reset_token(user)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    assert accounts.user_for_reset_token(token) == user


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_malformed_reset_tokens_are_refused(app, token):
    with pytest.raises(InvalidResetToken):
        accounts.user_for_reset_token(token)


def test_reset_token_of_a_disabled_account_is_refused(app):
    user = make_user(email="a@example.com")
    token = accounts.make_reset_token(user)
    admin.set_disabled(user.id, True, actor_id=None)
    with pytest.raises(InvalidResetToken):
        accounts.user_for_reset_token(token)
