"""Sealed secrets: they open with the SECRET_KEY they were sealed with (or a fallback), for their own row only."""
import pytest

from app.services.accounts import secret_box, two_factor
from app.services.accounts.secret_box import SecretUnreadable
from tests.factories import make_user
from tests.two_factor_helpers import code_at, turn_on

CONFIG = {"SECRET_KEY": "first-key"}
PLAIN = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_a_sealed_secret_opens_again_and_shows_nothing_of_itself():
    sealed = secret_box.seal(PLAIN, secret_box.TOTP, 7, CONFIG)
    assert secret_box.is_sealed(sealed) and PLAIN not in sealed and len(sealed) <= 255
    assert secret_box.open_sealed(sealed, secret_box.TOTP, 7, CONFIG) == PLAIN
    assert secret_box.seal(PLAIN, secret_box.TOTP, 7, CONFIG) != sealed  # a fresh nonce each time


@pytest.mark.parametrize("how", ["another row", "another purpose", "another key", "altered", "plain", "cut"])
def test_it_opens_for_nothing_else(how):
    sealed = secret_box.seal(PLAIN, secret_box.TOTP, 7, CONFIG)
    row, purpose, config = 7, secret_box.TOTP, CONFIG
    if how == "another row":
        row = 8
    elif how == "another purpose":
        purpose = "webhook"
    elif how == "another key":
        config = {"SECRET_KEY": "second-key"}
    elif how == "altered":
        sealed = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    elif how == "plain":
        sealed = PLAIN
    else:
        sealed = sealed[:10]
    with pytest.raises(SecretUnreadable):
        secret_box.open_sealed(sealed, purpose, row, config)


def test_a_rotated_key_still_opens_through_its_fallback():
    sealed = secret_box.seal(PLAIN, secret_box.TOTP, 7, CONFIG)
    rotated = {"SECRET_KEY": "second-key", "SECRET_KEY_FALLBACKS": ["first-key"]}
    assert secret_box.open_sealed(sealed, secret_box.TOTP, 7, rotated) == PLAIN


def test_the_database_holds_the_totp_key_sealed(app):
    user = make_user()
    secret, _codes = turn_on(user)
    assert secret not in user.totp_secret and secret_box.is_sealed(user.totp_secret)
    assert two_factor.check_second_factor(user, code_at(secret), "203.0.113.9") is False


def test_with_the_key_gone_only_a_recovery_code_signs_in(app, outbox, monkeypatch):
    user = make_user()
    secret, codes = turn_on(user)
    monkeypatch.setitem(app.config, "SECRET_KEY", "a-new-key-with-no-fallback")
    with pytest.raises(two_factor.InvalidCode):
        two_factor.check_second_factor(user, code_at(secret), "203.0.113.9")
    assert two_factor.check_second_factor(user, codes[0], "203.0.113.9") is True
