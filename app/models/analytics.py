"""Aggregated figures for analytics: rollup tables, their bookkeeping, and report subscriptions.

The rollup rows are kept by the rollup job (`services/analytics/rollup.py`) and never written by
anything else. A row's day is a calendar day in the display time zone, not in UTC. Every rollup
table carries the same measures (`MEASURES`); what each one counts is told in `services/analytics/
measures.py`. Rollup tables have no foreign keys: their figures outlive the raw clicks they were
made from (old months of clicks are dropped once aggregated).
"""
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.common import BigId, utcnow

# Counts, then money in minor units of the row's currency.
CLICK_MEASURES = ("clicks", "unique_clicks")
CONVERSION_MEASURES = ("conversions", "pending", "approved", "rejected", "reversed", "revenue", "commission",
                       "commission_approved", "commission_reversed")
PAID_MEASURES = ("paid", "commission_paid")
MEASURES = CLICK_MEASURES + CONVERSION_MEASURES + PAID_MEASURES


def _measure():
    return mapped_column(BigInteger, default=0, server_default="0")


class ConversionMeasures:
    """The figures a conversion adds to its group (and a change to a conversion moves)."""

    conversions: Mapped[int] = _measure()
    pending: Mapped[int] = _measure()
    approved: Mapped[int] = _measure()
    rejected: Mapped[int] = _measure()
    reversed: Mapped[int] = _measure()
    revenue: Mapped[int] = _measure()
    commission: Mapped[int] = _measure()
    commission_approved: Mapped[int] = _measure()
    commission_reversed: Mapped[int] = _measure()


class Measures(ConversionMeasures):
    """The figures every rollup row holds."""

    clicks: Mapped[int] = _measure()
    unique_clicks: Mapped[int] = _measure()
    paid: Mapped[int] = _measure()
    commission_paid: Mapped[int] = _measure()


# Key columns in this order (time first, for range scans), whichever class declares them.
KEY_ORDER = ("day", "month", "campaign_id", "affiliate_id", "link_id", "sub_id", "referrer", "currency")


def _key(name: str, type_):
    return mapped_column(type_, primary_key=True, autoincrement=False, sort_order=KEY_ORDER.index(name) - 100)


def _by_owner(table: str, time: str = "day") -> tuple:
    """The indexes a rollup table is read through: a campaign's rows, an affiliate's rows, over time."""
    return (Index(f"ix_{table}_campaign_{time}", "campaign_id", time),
            Index(f"ix_{table}_affiliate_{time}", "affiliate_id", time))


class CampaignDay(Measures):
    """The key every daily rollup starts with: a day, a campaign, the currency of the money figures."""

    day: Mapped[date] = _key("day", Date)
    campaign_id: Mapped[int] = _key("campaign_id", Integer)
    currency: Mapped[str] = _key("currency", String(3))


class AffiliateDay(CampaignDay):
    affiliate_id: Mapped[int] = _key("affiliate_id", Integer)


class DailyCampaignStats(CampaignDay, db.Model):
    """One day of one campaign: the program-wide and per-campaign figures, a few rows per day."""

    __tablename__ = "stats_daily_campaigns"
    __table_args__ = (Index("ix_stats_daily_campaigns_campaign_day", "campaign_id", "day"),)


class DailyAffiliateStats(AffiliateDay, db.Model):
    """One day of one affiliate in one campaign: rankings and filters by affiliate, a row per membership."""

    __tablename__ = "stats_daily_affiliates"
    __table_args__ = _by_owner(__tablename__)


class DailyLinkStats(AffiliateDay, db.Model):
    """One day of one tracking link and sub-ID: the finest rollup, behind every filtered figure."""

    __tablename__ = "stats_daily_links"
    __table_args__ = _by_owner(__tablename__)

    # 0 when the conversion's click no longer exists.
    link_id: Mapped[int] = _key("link_id", Integer)
    # The click's sub1 ("" when it had none).
    sub_id: Mapped[str] = _key("sub_id", String(100))


class DailyReferrerStats(AffiliateDay, db.Model):
    """One day of one affiliate in one campaign, split by the domain the visitors came from."""

    __tablename__ = "stats_daily_referrers"
    __table_args__ = _by_owner(__tablename__)

    # Host name without "www." ("" for direct visits and unreadable referrers).
    referrer: Mapped[str] = _key("referrer", String(255))


class DailyLinkReferrerStats(AffiliateDay, db.Model):
    """The finest rollup split by referrer domain too: referrers of one link or sub-ID."""

    __tablename__ = "stats_daily_link_referrers"
    __table_args__ = _by_owner(__tablename__)

    link_id: Mapped[int] = _key("link_id", Integer)
    sub_id: Mapped[str] = _key("sub_id", String(100))
    referrer: Mapped[str] = _key("referrer", String(255))


class MonthlyAffiliateStats(Measures, db.Model):
    """One calendar month of one affiliate in one campaign: cohorts and long ranges by affiliate."""

    __tablename__ = "stats_monthly_affiliates"
    __table_args__ = _by_owner(__tablename__, "month")

    # The first day of the month.
    month: Mapped[date] = _key("month", Date)
    campaign_id: Mapped[int] = _key("campaign_id", Integer)
    affiliate_id: Mapped[int] = _key("affiliate_id", Integer)
    currency: Mapped[str] = _key("currency", String(3))


# Smallest first: a question is answered from the first table that has every dimension it needs.
DAILY_MODELS = (DailyCampaignStats, DailyAffiliateStats, DailyLinkStats, DailyReferrerStats, DailyLinkReferrerStats)
ROLLUP_MODELS = (*DAILY_MODELS, MonthlyAffiliateStats)


class ConversionStatsChange(ConversionMeasures, db.Model):
    """How one write changed a conversion's figures, appended in the same transaction as the write.

    The rollup job folds these into the rollup tables by id and deletes them; until then pages add
    them to the rollup themselves, so a decision on an old conversion shows at once.
    """

    __tablename__ = "stats_conversion_changes"
    # Ids are never reused on SQLite either (rows are deleted once folded; the watermark needs new ids higher).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversion_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatsState(db.Model):
    """The rollup's bookkeeping: one row.

    The rollup tables hold exactly the clicks with id <= `click_watermark` and the conversion changes
    with id <= `change_watermark`; pages add what lies above them. `version` grows with every change
    to the rollup tables, so cached figures are keyed by it.
    """

    __tablename__ = "stats_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    click_watermark: Mapped[int] = mapped_column(BigInteger, default=0)
    change_watermark: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    # The zone the days were cut in; a different DISPLAY_TIMEZONE means every row must be remade.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Payouts marked paid since this moment may move which commission counts as paid.
    paid_checked_at: Mapped[datetime | None]
    # Raw clicks before this day have been dropped: their figures live only in the rollup.
    raw_clicks_from: Mapped[date | None] = mapped_column(Date)
    rolled_at: Mapped[datetime | None]
    last_duration_ms: Mapped[int | None] = mapped_column(Integer)


class RobotClicks(db.Model):
    """Visits by crawlers and link-preview fetchers: redirected but never recorded as clicks, counted here."""

    __tablename__ = "stats_robot_clicks"
    __table_args__ = _by_owner(__tablename__)

    day: Mapped[date] = _key("day", Date)
    link_id: Mapped[int] = _key("link_id", Integer)
    campaign_id: Mapped[int] = mapped_column(Integer)
    affiliate_id: Mapped[int] = mapped_column(Integer)
    robot_clicks: Mapped[int] = _measure()


class PaidShare(db.Model):
    """How much of an approved conversion's commission the affiliate's paid payouts have covered.

    Payouts are drawn from a balance, not from single conversions, so commission counts as paid
    oldest-payable first; this remembers the last allocation so the job moves only what changed.
    """

    __tablename__ = "stats_paid_shares"

    conversion_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    affiliate_id: Mapped[int] = mapped_column(Integer, index=True)
    commission_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    is_paid: Mapped[bool] = mapped_column(Boolean, default=False)


class ReportSubscription(db.Model):
    """Which summary emails a user wants, and the last period each was sent for."""

    __tablename__ = "report_subscriptions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    weekly: Mapped[bool] = mapped_column(Boolean, default=False)
    monthly: Mapped[bool] = mapped_column(Boolean, default=False)
    # The first day of the last period a report went out for.
    weekly_sent_for: Mapped[date | None] = mapped_column(Date)
    monthly_sent_for: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
