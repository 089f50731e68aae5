"""Indexes for the date orders of the accounts list and the payout queue.

The admin's accounts list opens newest first (`created_at`), and the payout queue sorts and filters
by when a request was made (`requested_at`); both tables keep every account and request for years.
On Postgres they are built without locking the tables.

Revision ID: 0021
Revises: 0020
"""
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

INDEXES = (("users", "ix_users_created_at", "created_at"),
           ("payout_requests", "ix_payout_requests_requested_at", "requested_at"))


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
        with op.get_context().autocommit_block():
            for table, name, column in INDEXES:
                op.create_index(name, table, [column], postgresql_concurrently=True, if_not_exists=True)
        return
    for table, name, column in INDEXES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(name, [column], unique=False)


def downgrade():
    for table, name, _column in INDEXES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(name)
