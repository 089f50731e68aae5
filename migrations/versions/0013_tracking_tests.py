"""Merchants' tests of their shop integration: a test click id and the order report it brought back.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tracking_tests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=True),
        sa.Column("order_id", sa.String(length=255), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=8), nullable=True),
        sa.Column("problem", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name=op.f("fk_tracking_tests_campaign_id_campaigns"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["merchant_id"], ["users.id"], name=op.f("fk_tracking_tests_merchant_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_tests")),
        sa.UniqueConstraint("token", name=op.f("uq_tracking_tests_token")),
    )
    with op.batch_alter_table("tracking_tests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tracking_tests_merchant_id"), ["merchant_id"], unique=False)


def downgrade():
    with op.batch_alter_table("tracking_tests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracking_tests_merchant_id"))
    op.drop_table("tracking_tests")
