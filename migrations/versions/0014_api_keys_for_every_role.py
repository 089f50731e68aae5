"""API keys belong to a user of any role and carry scopes (read, write).

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.drop_index("ix_api_keys_merchant_id")
        batch_op.drop_constraint("fk_api_keys_merchant_id_users", type_="foreignkey")
        batch_op.alter_column("merchant_id", new_column_name="user_id", existing_type=sa.Integer(),
                              existing_nullable=False)
        # Keys made before scopes existed reported conversions and refunds: they keep writing.
        batch_op.add_column(sa.Column("scopes", sa.String(length=40), server_default="read write", nullable=False))
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.create_foreign_key("fk_api_keys_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index("ix_api_keys_user_id", ["user_id"], unique=False)


def downgrade():
    # Only merchants had keys before: the keys of other roles cannot be kept.
    op.execute("DELETE FROM api_keys WHERE user_id NOT IN (SELECT id FROM users WHERE role = 'merchant')")
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.drop_index("ix_api_keys_user_id")
        batch_op.drop_constraint("fk_api_keys_user_id_users", type_="foreignkey")
        batch_op.drop_column("scopes")
        batch_op.alter_column("user_id", new_column_name="merchant_id",
                              existing_type=sa.Integer(), existing_nullable=False)
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.create_foreign_key("fk_api_keys_merchant_id_users", "users", ["merchant_id"], ["id"],
                                    ondelete="CASCADE")
        batch_op.create_index("ix_api_keys_merchant_id", ["merchant_id"], unique=False)
