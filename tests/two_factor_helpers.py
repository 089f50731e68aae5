"""Accounts with two-factor sign-in, and the codes their authenticator app would show."""
import time

import pyotp

from app.services.accounts import two_factor


def code_at(secret: str, steps_from_now: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_from_now)


def turn_on(user) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on for `user`; returns (secret, recovery codes).

    Set up with the previous step's code (still accepted: clocks drift), so the current code is still
    unused for the test's sign-in.
    """
    secret = two_factor.new_secret()
    codes = two_factor.enable(user, secret, code_at(secret, -1))
    return secret, codes
