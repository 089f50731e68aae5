"""When an affiliate first copied a link with its copy button (the first-run checklist's last step).

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("links") as batch_op:
        batch_op.add_column(sa.Column("copied_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("links") as batch_op:
        batch_op.drop_column("copied_at")
