"""Secrets the server must read back later (a two-factor sign-in's TOTP key), sealed before they are stored.

AES-256-GCM under a key derived from the app's SECRET_KEY with HKDF-SHA256, so a copy of the database
alone (a backup, a leaked dump) does not give anyone a second factor. Each sealed value is bound to
what it belongs to (the account's id, as associated data): moved to another row it no longer opens.
The value is "v1:" and the nonce and ciphertext in URL-safe base64. Keys in SECRET_KEY_FALLBACKS still
open what an earlier SECRET_KEY sealed, so the key can be rotated; a value sealed under a key that is
gone cannot be opened (the person signs in with a recovery code and sets two-factor sign-in up again).
"""
import os
from base64 import urlsafe_b64decode, urlsafe_b64encode
from binascii import Error as Base64Error

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PREFIX = "v1:"
NONCE_BYTES = 12
# Purposes: each has an encryption key of its own, derived from the same SECRET_KEY.
TOTP = "totp"


class SecretUnreadable(Exception):
    """A sealed value no key of this server opens (SECRET_KEY changed with no fallback, or the value was altered)."""


def _key(secret_key: str | bytes, purpose: str) -> bytes:
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"affiliate:{purpose}".encode()).derive(material)


def _secret_keys(config) -> list:
    return [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]


def is_sealed(value: str | None) -> bool:
    return bool(value) and value.startswith(PREFIX)


def seal(plain: str, purpose: str, bound_to: int, config=None) -> str:
    """`plain` sealed with the current SECRET_KEY for `purpose`, bound to row id `bound_to`."""
    config = config or current_app.config
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(config["SECRET_KEY"], purpose)).encrypt(nonce, plain.encode(), str(bound_to).encode())
    return PREFIX + urlsafe_b64encode(nonce + sealed).decode()


def open_sealed(value: str, purpose: str, bound_to: int, config=None) -> str:
    """The plain text of a value `seal` made; raises SecretUnreadable when no key opens it."""
    config = config or current_app.config
    if not is_sealed(value):
        raise SecretUnreadable()
    try:
        raw = urlsafe_b64decode(value[len(PREFIX):].encode())
    except (Base64Error, ValueError) as exc:
        raise SecretUnreadable() from exc
    if len(raw) <= NONCE_BYTES:
        raise SecretUnreadable()
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    for secret_key in _secret_keys(config):
        try:
            return AESGCM(_key(secret_key, purpose)).decrypt(nonce, sealed, str(bound_to).encode()).decode()
        except InvalidTag:
            continue
    raise SecretUnreadable()
