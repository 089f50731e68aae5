"""Rollup tables for analytics, the changes waiting to be folded into them, and report subscriptions.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MEASURES = ("clicks", "unique_clicks", "conversions", "pending", "approved", "rejected", "reversed", "revenue",
            "commission", "commission_approved", "commission_reversed", "paid", "commission_paid")
CHANGE_MEASURES = MEASURES[2:11]


def _measures(names=MEASURES):
    return [sa.Column(name, sa.BigInteger(), server_default="0", nullable=False) for name in names]


def _key(name, type_):
    return sa.Column(name, type_, nullable=False, autoincrement=False)


def _rollup(table, keys, indexes):
    op.create_table(table, *keys, *_measures(),
                    sa.PrimaryKeyConstraint(*(c.name for c in keys), name=f"pk_{table}"))
    with op.batch_alter_table(table) as batch_op:
        for name, columns in indexes:
            batch_op.create_index(name, columns, unique=False)


def upgrade():
    def day():
        return _key("day", sa.Date())

    def ids(*names):
        return [_key(name, sa.Integer()) for name in names]

    def text(name, length):
        return _key(name, sa.String(length=length))

    _rollup("stats_daily_links",
            [day(), *ids("campaign_id", "affiliate_id", "link_id"), text("sub_id", 100), text("currency", 3)],
            [("ix_stats_daily_links_campaign_day", ["campaign_id", "day"]),
             ("ix_stats_daily_links_affiliate_day", ["affiliate_id", "day"])])
    _rollup("stats_daily_affiliates", [day(), *ids("campaign_id", "affiliate_id"), text("currency", 3)],
            [("ix_stats_daily_affiliates_campaign_day", ["campaign_id", "day"]),
             ("ix_stats_daily_affiliates_affiliate_day", ["affiliate_id", "day"])])
    _rollup("stats_daily_referrers",
            [day(), *ids("campaign_id", "affiliate_id"), text("referrer", 255), text("currency", 3)],
            [("ix_stats_daily_referrers_campaign_day", ["campaign_id", "day"]),
             ("ix_stats_daily_referrers_affiliate_day", ["affiliate_id", "day"])])
    _rollup("stats_daily_link_referrers",
            [day(), *ids("campaign_id", "affiliate_id", "link_id"), text("sub_id", 100), text("referrer", 255),
             text("currency", 3)],
            [("ix_stats_daily_link_referrers_campaign_day", ["campaign_id", "day"]),
             ("ix_stats_daily_link_referrers_affiliate_day", ["affiliate_id", "day"])])
    _rollup("stats_daily_campaigns", [day(), *ids("campaign_id"), text("currency", 3)],
            [("ix_stats_daily_campaigns_campaign_day", ["campaign_id", "day"])])
    _rollup("stats_monthly_affiliates",
            [_key("month", sa.Date()), *ids("campaign_id", "affiliate_id"), text("currency", 3)],
            [("ix_stats_monthly_affiliates_campaign_month", ["campaign_id", "month"]),
             ("ix_stats_monthly_affiliates_affiliate_month", ["affiliate_id", "month"])])

    op.create_table(
        "stats_conversion_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("conversion_id", sa.Integer(), nullable=False),
        *_measures(CHANGE_MEASURES),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stats_conversion_changes"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("stats_conversion_changes") as batch_op:
        batch_op.create_index("ix_stats_conversion_changes_conversion_id", ["conversion_id"], unique=False)

    op.create_table(
        "stats_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("click_watermark", sa.BigInteger(), nullable=False),
        sa.Column("change_watermark", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("paid_checked_at", sa.DateTime(), nullable=True),
        sa.Column("raw_clicks_from", sa.Date(), nullable=True),
        sa.Column("rolled_at", sa.DateTime(), nullable=True),
        sa.Column("last_duration_ms", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stats_state"),
    )

    op.create_table(
        "stats_robot_clicks",
        _key("day", sa.Date()), *[_key(name, sa.Integer()) for name in ("link_id", "campaign_id", "affiliate_id")],
        sa.Column("robot_clicks", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("day", "link_id", name="pk_stats_robot_clicks"),
    )
    with op.batch_alter_table("stats_robot_clicks") as batch_op:
        batch_op.create_index("ix_stats_robot_clicks_campaign_day", ["campaign_id", "day"], unique=False)
        batch_op.create_index("ix_stats_robot_clicks_affiliate_day", ["affiliate_id", "day"], unique=False)

    op.create_table(
        "stats_paid_shares",
        sa.Column("conversion_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("affiliate_id", sa.Integer(), nullable=False),
        sa.Column("commission_paid", sa.BigInteger(), nullable=False),
        sa.Column("is_paid", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("conversion_id", name="pk_stats_paid_shares"),
    )
    with op.batch_alter_table("stats_paid_shares") as batch_op:
        batch_op.create_index("ix_stats_paid_shares_affiliate_id", ["affiliate_id"], unique=False)

    op.create_table(
        "report_subscriptions",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("weekly", sa.Boolean(), nullable=False),
        sa.Column("monthly", sa.Boolean(), nullable=False),
        sa.Column("weekly_sent_for", sa.Date(), nullable=True),
        sa.Column("monthly_sent_for", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_report_subscriptions_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name="pk_report_subscriptions"),
    )


def downgrade():
    for table in ("report_subscriptions", "stats_paid_shares", "stats_robot_clicks", "stats_state",
                  "stats_conversion_changes", "stats_monthly_affiliates", "stats_daily_campaigns",
                  "stats_daily_affiliates", "stats_daily_referrers", "stats_daily_link_referrers",
                  "stats_daily_links"):
        op.drop_table(table)
