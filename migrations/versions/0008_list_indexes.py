"""Indexes that match the newest-first lists: every click and every conversion by time, conversions by status.

The clicks and conversions lists are read by keyset, newest first (`ORDER BY created_at DESC, id
DESC`); an admin's unfiltered list needs an index that starts with the time, and the review queue
(pending conversions, newest first) one that starts with the status. On Postgres the indexes are
built without locking the tables against writes, so the click drain keeps inserting meanwhile.

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_clicks_created", "clicks", ["created_at", "id"]),
    ("ix_conversions_created", "conversions", ["created_at", "id"]),
    ("ix_conversions_status_created", "conversions", ["status", "created_at"]),
)


def _concurrently() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade():
    if _concurrently():
        # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
        with op.get_context().autocommit_block():
            for name, table, columns in INDEXES:
                op.create_index(name, table, columns, postgresql_concurrently=True, if_not_exists=True)
        return
    for name, table, columns in INDEXES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    for name, table, _columns in INDEXES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(name)
