"""Clicks keep their campaign and affiliate ids without a foreign key on each.

A click's campaign and affiliate are copies of its link's, kept on the click so figures can be counted
without a join; the link's own foreign keys already tie them to a campaign and a user, and the click's
foreign key to its link (ON DELETE CASCADE) removes a campaign's clicks with its links. The two extra
checks ran on every stored click: on Postgres each is a lookup and a share lock of the parent row, and
inserting 60,000 clicks took ~35 % less time without them (measured on a year's data).

Revision ID: 0024
Revises: 0023
"""
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # Dropped on the partitioned table, they go from every monthly partition at once.
        op.drop_constraint("fk_clicks_campaign_id_campaigns", "clicks", type_="foreignkey")
        op.drop_constraint("fk_clicks_affiliate_id_users", "clicks", type_="foreignkey")
        return
    with op.batch_alter_table("clicks") as batch_op:
        batch_op.drop_constraint("fk_clicks_campaign_id_campaigns", type_="foreignkey")
        batch_op.drop_constraint("fk_clicks_affiliate_id_users", type_="foreignkey")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key("fk_clicks_campaign_id_campaigns", "clicks", "campaigns", ["campaign_id"], ["id"],
                              ondelete="CASCADE")
        op.create_foreign_key("fk_clicks_affiliate_id_users", "clicks", "users", ["affiliate_id"], ["id"])
        return
    with op.batch_alter_table("clicks") as batch_op:
        batch_op.create_foreign_key("fk_clicks_campaign_id_campaigns", "campaigns", ["campaign_id"], ["id"],
                                    ondelete="CASCADE")
        batch_op.create_foreign_key("fk_clicks_affiliate_id_users", "users", ["affiliate_id"], ["id"])
