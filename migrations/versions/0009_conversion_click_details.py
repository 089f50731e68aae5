"""Conversions keep what attribution needs of their click, so raw clicks can be dropped after a while.

The click's public id, time, link, IP, user agent, referrer and sub-IDs are copied onto every
conversion that still has its click. `click_id` stays as a plain reference: the foreign key goes,
as the clicks it points at are dropped month by month once their figures are in the rollups.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COPIED = {"click_public_id": "public_id", "click_created_at": "created_at", "link_id": "link_id",
          "click_ip": "ip", "click_user_agent": "user_agent", "click_referrer": "referrer",
          **{f"click_sub{n}": f"sub{n}" for n in range(1, 6)}}


def upgrade():
    with op.batch_alter_table("conversions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_conversions_click_id_clicks", type_="foreignkey")
        batch_op.add_column(sa.Column("click_public_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("click_created_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("link_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("click_ip", sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column("click_user_agent", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("click_referrer", sa.String(length=2000), nullable=True))
        for number in range(1, 6):
            batch_op.add_column(sa.Column(f"click_sub{number}", sa.String(length=100), nullable=True))
        batch_op.create_foreign_key("fk_conversions_link_id_links", "links", ["link_id"], ["id"],
                                    ondelete="SET NULL")
        batch_op.create_index("ix_conversions_link_id", ["link_id"], unique=False)

    targets = ", ".join(COPIED)
    sources = ", ".join(f"clicks.{column}" for column in COPIED.values())
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"UPDATE conversions SET ({targets}) = ({sources}) FROM clicks "  # noqa: S608
                   "WHERE clicks.id = conversions.click_id")
    else:
        op.execute(f"UPDATE conversions SET ({targets}) = (SELECT {sources} FROM clicks "  # noqa: S608
                   "WHERE clicks.id = conversions.click_id) WHERE click_id IS NOT NULL")
    # A conversion whose click was already gone keeps no dangling id.
    op.execute("UPDATE conversions SET click_id = NULL WHERE click_public_id IS NULL")


def downgrade():
    op.execute("UPDATE conversions SET click_id = NULL WHERE click_id NOT IN (SELECT id FROM clicks)")
    with op.batch_alter_table("conversions", schema=None) as batch_op:
        batch_op.drop_index("ix_conversions_link_id")
        batch_op.drop_constraint("fk_conversions_link_id_links", type_="foreignkey")
        for name in COPIED:
            batch_op.drop_column(name)
        batch_op.create_foreign_key("fk_conversions_click_id_clicks", "clicks", ["click_id"], ["id"],
                                    ondelete="SET NULL")
