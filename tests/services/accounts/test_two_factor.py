"""Two-factor sign-in: setting it up, codes that work once, recovery codes, and the shared lockout."""
import pytest

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.users import RecoveryCode, SignInFailure
from app.services.accounts import accounts, two_factor
from app.services.accounts.accounts import InvalidCredentials
from app.services.accounts.throttle import TooManyAttempts
from tests.factories import PASSWORD, make_user
from tests.two_factor_helpers import code_at, turn_on

IP = "198.51.100.7"


def actions():
    return [action for action in db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id))]


def test_a_wrong_first_code_turns_nothing_on(app):
    user = make_user()
    secret = two_factor.new_secret()
    with pytest.raises(two_factor.InvalidCode):
        two_factor.enable(user, secret, "000000" if code_at(secret) != "000000" else "111111")
    assert not user.has_two_factor and user.totp_secret is None
    assert db.session.scalar(db.select(db.func.count()).select_from(RecoveryCode)) == 0


def test_turning_it_on_keeps_hashes_of_ten_recovery_codes(app):
    user = make_user()
    secret, codes = turn_on(user)
    assert user.has_two_factor and two_factor.totp_secret_of(user) == secret and secret not in user.totp_secret
    assert len(set(codes)) == 10 and all(len(code) == 19 for code in codes)
    stored = db.session.scalars(db.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert "user.two_factor_enabled" in actions()
    with pytest.raises(two_factor.AlreadyOn):
        two_factor.enable(user, secret, code_at(secret))


def test_the_provisioning_address_names_the_account_and_the_program(app):
    secret = "JBSWY3DPEHPK3PXP" * 2
    uri = two_factor.provisioning_uri(secret, "lan@example.com")
    assert uri.startswith("otpauth://totp/") and "lan%40example.com" in uri and f"secret={secret}" in uri
    assert "issuer=Affiliate%20program" in uri


def test_a_code_signs_in_once(app):
    user = make_user(email="a@example.com")
    secret, _codes = turn_on(user)
    assert accounts.authenticate("a@example.com", PASSWORD, IP) is user
    assert user.last_login_at is None  # the password alone is not a sign-in
    code = code_at(secret)
    assert two_factor.check_second_factor(user, code, IP) is False
    assert user.last_login_at is not None
    with pytest.raises(two_factor.InvalidCode):  # the same code seen over a shoulder
        two_factor.check_second_factor(user, code, IP)
    with pytest.raises(two_factor.InvalidCode):  # an older step is older than the one used
        two_factor.check_second_factor(user, code_at(secret, -1), IP)


def test_a_recovery_code_works_once_whatever_its_spelling(app, outbox):
    user = make_user()
    _secret, codes = turn_on(user)
    assert two_factor.check_second_factor(user, codes[0].upper().replace("-", " "), IP) is True
    [notice] = outbox  # the owner hears of it, in case it was not them
    assert notice["to"] == user.email and IP in notice["body"] and "9 codes are left" in notice["body"]
    with pytest.raises(two_factor.InvalidCode):
        two_factor.check_second_factor(user, codes[0], IP)
    assert two_factor.recovery_codes_left(user) == 9
    assert "user.recovery_code_used" in actions()


def test_new_recovery_codes_end_the_old_ones(app):
    user = make_user()
    _secret, old = turn_on(user)
    with pytest.raises(InvalidCredentials):
        two_factor.regenerate_recovery_codes(user, "wrong password")
    new = two_factor.regenerate_recovery_codes(user, PASSWORD)
    with pytest.raises(two_factor.InvalidCode):
        two_factor.check_second_factor(user, old[1], IP)
    assert two_factor.check_second_factor(user, new[1], IP) is True


def test_the_second_factor_shares_the_password_lockout(app):
    user = make_user(email="a@example.com")
    secret, _codes = turn_on(user)
    limit = app.config["SIGNIN_MAX_PER_ACCOUNT_IP"]
    for _try in range(limit):
        # The right password each time does not wipe the wrong codes' failures.
        accounts.authenticate("a@example.com", PASSWORD, IP)
        with pytest.raises(two_factor.InvalidCode):
            two_factor.check_second_factor(user, "12345x", IP)
    assert db.session.scalar(db.select(db.func.count()).select_from(SignInFailure)) == limit
    with pytest.raises(TooManyAttempts):
        two_factor.check_second_factor(user, code_at(secret), IP)
    with pytest.raises(TooManyAttempts):
        accounts.authenticate("a@example.com", PASSWORD, IP)


def test_a_full_sign_in_forgets_this_addresss_failures(app):
    user = make_user(email="a@example.com")
    secret, _codes = turn_on(user)
    with pytest.raises(two_factor.InvalidCode):
        two_factor.check_second_factor(user, "000000x", IP)
    two_factor.check_second_factor(user, code_at(secret), IP)
    assert db.session.scalar(db.select(db.func.count()).select_from(SignInFailure)) == 0


def test_turning_it_off_needs_the_password_and_is_refused_to_admins_when_required(app, monkeypatch, outbox):
    user = make_user()
    turn_on(user)
    with pytest.raises(InvalidCredentials):
        two_factor.disable(user, "wrong password")
    assert outbox == []
    two_factor.disable(user, PASSWORD)
    assert not user.has_two_factor and user.totp_secret is None
    assert [m["subject"] for m in outbox] == ["Two-factor sign-in was turned off"]
    assert db.session.scalar(db.select(db.func.count()).select_from(RecoveryCode)) == 0

    admin = make_user("admin")
    turn_on(admin)
    monkeypatch.setitem(app.config, "REQUIRE_2FA_FOR_ADMINS", True)
    with pytest.raises(two_factor.TwoFactorRequired):
        two_factor.disable(admin, PASSWORD)
    assert admin.has_two_factor
