"""Account settings: what each person wants to be emailed about (every choice starts on).

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CHOICES = ("notify_new_conversion", "notify_conversion_decided", "notify_payout_state",
           "notify_application_decided")


def upgrade():
    with op.batch_alter_table("users") as batch:
        for name in CHOICES:
            batch.add_column(sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table("users") as batch:
        for name in reversed(CHOICES):
            batch.drop_column(name)
