"""An index for the click uniqueness rule: a visitor's unique clicks on a link in the past hour.

Without it, deciding whether a click written straight to the database (Redis down, or no Redis in
development) is unique scans every click of the link in the past hour. Partial: only unique clicks.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clicks", schema=None) as batch_op:
        batch_op.create_index("ix_clicks_unique_visitor", ["link_id", "ip", "created_at"], unique=False,
                              postgresql_where=sa.text("is_unique"), sqlite_where=sa.text("is_unique"))


def downgrade():
    with op.batch_alter_table("clicks", schema=None) as batch_op:
        batch_op.drop_index("ix_clicks_unique_visitor")
