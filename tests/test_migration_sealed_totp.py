"""Two-factor keys stored in plain text before revision 0020 are sealed by it, and opened again going back."""
from datetime import datetime

from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.extensions import db
from app.services.accounts import secret_box
from tests.migration_helpers import MIGRATIONS, fresh_database, insert

PLAIN = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BEFORE = datetime(2026, 11, 1, 9, 0)


def stored(user_id: int) -> str | None:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT totp_secret FROM users WHERE id = :id"), {"id": user_id}).scalar_one()


def test_plain_keys_are_sealed_and_opened_again_going_back(app):
    with fresh_database(app):
        upgrade(directory=MIGRATIONS, revision="0019")
        with db.engine.begin() as conn:
            ids = [insert(conn, "users", email=f"user{n}@example.com", password_hash="x", role="admin", name="A",
                          is_disabled=False, session_token=f"token{n}", created_at=BEFORE,
                          totp_secret=secret, totp_enabled_at=BEFORE if secret else None)
                   for n, secret in enumerate((PLAIN, None))]
        upgrade(directory=MIGRATIONS, revision="0020")
        sealed = stored(ids[0])
        assert secret_box.is_sealed(sealed) and PLAIN not in sealed and stored(ids[1]) is None
        assert secret_box.open_sealed(sealed, secret_box.TOTP, ids[0], current_app.config) == PLAIN
        downgrade(directory=MIGRATIONS, revision="0019")
        assert stored(ids[0]) == PLAIN
