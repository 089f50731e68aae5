"""Ledger memos as a code and its parameters, so each reader sees them in their own language.

Rows are never updated (the ledger is append-only), so older rows keep their English memo text;
`app/memos.py` reads the known shapes of that text back into the same codes.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no table rebuild): SQLite keeps the table as it is, Postgres keeps its triggers.
    op.add_column("ledger_entries", sa.Column("memo_code", sa.String(length=40), nullable=True))
    op.add_column("ledger_entries", sa.Column("memo_params", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_column("memo_params")
        batch.drop_column("memo_code")
