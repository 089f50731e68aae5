"""Two-factor keys stored sealed: the column grows to hold them and every key stored in plain text is sealed.

The key is derived from the app's SECRET_KEY (app.services.accounts.secret_box); run the migration
with the SECRET_KEY the server uses. Going back opens them again into plain text.

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

from app.services.accounts import secret_box

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

USERS = sa.table("users", sa.column("id", sa.Integer()), sa.column("totp_secret", sa.String()))


def _rewrite(change) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(USERS.c.id, USERS.c.totp_secret).where(USERS.c.totp_secret.is_not(None))).all()
    for user_id, stored in rows:
        new = change(user_id, stored)
        if new != stored:
            conn.execute(sa.update(USERS).where(USERS.c.id == user_id).values(totp_secret=new))


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=255),
                           existing_nullable=True)
    config = current_app.config
    _rewrite(lambda user_id, stored: stored if secret_box.is_sealed(stored)
             else secret_box.seal(stored, secret_box.TOTP, user_id, config))


def downgrade():
    config = current_app.config
    _rewrite(lambda user_id, stored: secret_box.open_sealed(stored, secret_box.TOTP, user_id, config)
             if secret_box.is_sealed(stored) else stored)
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", existing_type=sa.String(length=255), type_=sa.String(length=64),
                           existing_nullable=True)
