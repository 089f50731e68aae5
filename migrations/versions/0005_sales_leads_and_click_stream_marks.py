"""Campaigns say what they pay for; the click drain keeps a durable mark of the stream; reversals are indexed.

- `campaigns.pays_for`: "sale" (an order amount above zero is required) or "lead" (a sign-up: no
  amount, fixed commission only). Every existing campaign becomes a sale, which is what they were.
- `click_stream_marks`: per Redis stream, the id of the newest entry the drain has stored. When Redis
  comes back without the stream (restarted empty, flushed, an older copy), the drain compares with
  this mark and logs the range of clicks that never arrived.
- A partial index on the affiliates with reversal entries: the only way a balance goes below zero,
  so the admin's list of negative balances looks at those affiliates only.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pays_for", sa.String(length=10), nullable=False, server_default="sale"))
        batch_op.create_check_constraint("pays_for", "pays_for IN ('sale', 'lead')")
        batch_op.create_check_constraint("lead_pays_fixed", "pays_for = 'sale' OR commission_type = 'fixed'")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        # Existing rows are filled; new ones get the value from the application.
        batch_op.alter_column("pays_for", server_default=None)

    op.create_table(
        "click_stream_marks",
        sa.Column("stream", sa.String(length=100), nullable=False),
        sa.Column("last_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_click_stream_marks")),
    )

    # Not in batch mode: the ledger's append-only triggers must not be dropped with a copied table.
    op.create_index("ix_ledger_entries_reversals", "ledger_entries", ["affiliate_id", "currency"], unique=False,
                    postgresql_where=sa.text("kind = 'reversal'"), sqlite_where=sa.text("kind = 'reversal'"))


def downgrade():
    op.drop_index("ix_ledger_entries_reversals", table_name="ledger_entries")
    op.drop_table("click_stream_marks")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_constraint("lead_pays_fixed", type_="check")
        batch_op.drop_constraint("pays_for", type_="check")
        batch_op.drop_column("pays_for")
