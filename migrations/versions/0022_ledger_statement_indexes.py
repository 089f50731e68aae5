"""Indexes for the affiliate's statement of ledger entries.

The statement reads one affiliate's entries a window at a time, newest or oldest first or by amount,
each currency through its own part of the index and merged. The ledger is append-only and keeps every
movement for years, so without them each window would sort all of the affiliate's entries. On
Postgres they are built without locking the ledger against new entries.

Revision ID: 0022
Revises: 0021
"""
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

INDEXES = (("ix_ledger_entries_statement_time", ["affiliate_id", "currency", "created_at", "id"]),
           ("ix_ledger_entries_statement_amount", ["affiliate_id", "currency", "amount", "id"]))


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
        with op.get_context().autocommit_block():
            for name, columns in INDEXES:
                op.create_index(name, "ledger_entries", columns, postgresql_concurrently=True, if_not_exists=True)
        return
    with op.batch_alter_table("ledger_entries") as batch_op:
        for name, columns in INDEXES:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table("ledger_entries") as batch_op:
        for name, _columns in INDEXES:
            batch_op.drop_index(name)
