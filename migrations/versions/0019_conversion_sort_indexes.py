"""Indexes that let the conversion lists sort by amount or commission without sorting every row.

The lists read by keyset can be sorted by amount or commission (then id), largest first or smallest
first. An admin reads all conversions (`amount, id`), a merchant reads campaign by campaign
(`campaign_id, amount, id`) and an affiliate their own (`affiliate_id, amount, id`); the same three
for the commission. On Postgres they are built without locking the table against new conversions.

Revision ID: 0019
Revises: 0018
"""
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

INDEXES = tuple(
    (f"ix_conversions_{owner or 'all'}_{column}", [*([f"{owner}_id"] if owner else []), column, "id"])
    for column in ("amount", "commission") for owner in (None, "campaign", "affiliate")
)


def _concurrently() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade():
    if _concurrently():
        # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
        with op.get_context().autocommit_block():
            for name, columns in INDEXES:
                op.create_index(name, "conversions", columns, postgresql_concurrently=True, if_not_exists=True)
        return
    with op.batch_alter_table("conversions") as batch_op:
        for name, columns in INDEXES:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table("conversions") as batch_op:
        for name, _columns in INDEXES:
            batch_op.drop_index(name)
