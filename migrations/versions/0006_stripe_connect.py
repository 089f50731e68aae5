"""Stripe Connect payouts: affiliates' connected accounts, payout runs and their items, bank payouts;
payout requests can be reversed (in part or in full) after payment.

The two Stripe columns of affiliate_profiles were never written; the account now lives in
stripe_accounts, with its state.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STATUSES = "'requested', 'approved', 'processing', 'paid', 'failed', 'rejected', 'cancelled'"


def upgrade():
    op.create_table(
        "stripe_accounts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("details_submitted", sa.Boolean(), nullable=False),
        sa.Column("payouts_enabled", sa.Boolean(), nullable=False),
        sa.Column("transfers_capability", sa.String(length=16), nullable=False),
        sa.Column("disabled_reason", sa.String(length=64), nullable=True),
        sa.Column("currently_due", sa.JSON(), nullable=False),
        sa.Column("past_due", sa.JSON(), nullable=False),
        sa.Column("pending_verification", sa.JSON(), nullable=False),
        sa.Column("current_deadline", sa.DateTime(), nullable=True),
        sa.Column("stripe_updated_at", sa.BigInteger(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("paused_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('details_needed', 'pending_verification', 'ready', 'restricted')",
                           name=op.f("ck_stripe_accounts_status")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_stripe_accounts_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_stripe_accounts")),
        sa.UniqueConstraint("account_id", name=op.f("uq_stripe_accounts_account_id")),
    )
    op.create_table(
        "stripe_bank_payouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payout_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("arrival_date", sa.Date(), nullable=True),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
        sa.Column("failure_message", sa.Text(), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("event_created", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_stripe_bank_payouts_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_bank_payouts")),
        sa.UniqueConstraint("payout_id", name=op.f("uq_stripe_bank_payouts_payout_id")),
    )
    op.create_index("ix_stripe_bank_payouts_user_created", "stripe_bank_payouts", ["user_id", "created"])
    op.create_table(
        "stripe_payout_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("scheduled_for", sa.Date(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("manual_left", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('schedule', 'admin', 'sweep')", name=op.f("ck_stripe_payout_runs_kind")),
        sa.CheckConstraint("status IN ('queued', 'running', 'finished')", name=op.f("ck_stripe_payout_runs_status")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"],
                                name=op.f("fk_stripe_payout_runs_requested_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_payout_runs")),
    )
    op.create_index("ix_stripe_payout_runs_created_at", "stripe_payout_runs", ["created_at"])
    op.create_index(op.f("ix_stripe_payout_runs_status"), "stripe_payout_runs", ["status"])
    op.create_index("uq_stripe_payout_runs_scheduled_day", "stripe_payout_runs", ["scheduled_for"], unique=True,
                    sqlite_where=sa.text("kind = 'schedule'"), postgresql_where=sa.text("kind = 'schedule'"))
    op.create_table(
        "stripe_payout_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("payout_request_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("transfer_id", sa.String(length=64), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("outcome IN ('queued', 'sending', 'sent', 'failed', 'retry_later', 'skipped')",
                           name=op.f("ck_stripe_payout_items_outcome")),
        sa.ForeignKeyConstraint(["payout_request_id"], ["payout_requests.id"],
                                name=op.f("fk_stripe_payout_items_payout_request_id_payout_requests")),
        sa.ForeignKeyConstraint(["run_id"], ["stripe_payout_runs.id"],
                                name=op.f("fk_stripe_payout_items_run_id_stripe_payout_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_payout_items")),
    )
    op.create_index(op.f("ix_stripe_payout_items_payout_request_id"), "stripe_payout_items", ["payout_request_id"])
    op.create_index("uq_stripe_payout_items_run_request", "stripe_payout_items", ["run_id", "payout_request_id"],
                    unique=True)

    with op.batch_alter_table("affiliate_profiles", schema=None) as batch_op:
        batch_op.drop_column("stripe_account_id")
        batch_op.drop_column("stripe_onboarded")

    with op.batch_alter_table("payout_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reversed_amount", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.create_unique_constraint(batch_op.f("uq_payout_requests_stripe_transfer_id"), ["stripe_transfer_id"])
        batch_op.drop_constraint(op.f("ck_payout_requests_status"), type_="check")
        batch_op.create_check_constraint("status", f"status IN ({STATUSES}, 'reversed')")


def downgrade():
    with op.batch_alter_table("payout_requests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_payout_requests_status"), type_="check")
        batch_op.create_check_constraint("status", f"status IN ({STATUSES})")
        batch_op.drop_constraint(batch_op.f("uq_payout_requests_stripe_transfer_id"), type_="unique")
        batch_op.drop_column("reversed_amount")

    with op.batch_alter_table("affiliate_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stripe_onboarded", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("stripe_account_id", sa.String(length=64), nullable=True))

    op.drop_table("stripe_payout_items")
    op.drop_table("stripe_payout_runs")
    op.drop_table("stripe_bank_payouts")
    op.drop_table("stripe_accounts")
