"""Conversions remember the payment provider's id of the payment (a Stripe payment intent).

Stripe's `charge.refunded` names the payment intent, not the Checkout session the conversion was
recorded under, so the refund is matched through this column.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("conversions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_ref", sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f("ix_conversions_external_ref"), ["external_ref"], unique=False)


def downgrade():
    with op.batch_alter_table("conversions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversions_external_ref"))
        batch_op.drop_column("external_ref")
