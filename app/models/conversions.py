"""Conversions (orders credited to an affiliate) and their refunds."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.campaigns import Campaign
from app.models.common import BigId, utcnow
from app.models.tracking import Click, Link
from app.models.users import User

CONVERSION_STATUSES = ("pending", "approved", "rejected", "reversed")
CONVERSION_SOURCES = ("pixel", "api", "postback", "stripe", "manual")


class Conversion(db.Model):
    __tablename__ = "conversions"
    __table_args__ = (
        UniqueConstraint("campaign_id", "order_id"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'reversed')", name="status"),
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
        CheckConstraint("commission >= 0", name="commission_nonnegative"),
        CheckConstraint("refunded_amount >= 0 AND refunded_amount <= amount", name="refund_range"),
        CheckConstraint("commission_reversed >= 0 AND commission_reversed <= commission",
                        name="reversal_range"),
        Index("ix_conversions_affiliate_created", "affiliate_id", "created_at"),
        Index("ix_conversions_campaign_created", "campaign_id", "created_at"),
        Index("ix_conversions_link_id", "link_id"),
        # Newest first, all of them or those in one status (the review list).
        Index("ix_conversions_created", "created_at", "id"),
        Index("ix_conversions_status_created", "status", "created_at"),
        # The lists sorted by amount or commission: all, campaign by campaign, one affiliate's (0019).
        Index("ix_conversions_all_amount", "amount", "id"),
        Index("ix_conversions_campaign_amount", "campaign_id", "amount", "id"),
        Index("ix_conversions_affiliate_amount", "affiliate_id", "amount", "id"),
        Index("ix_conversions_all_commission", "commission", "id"),
        Index("ix_conversions_campaign_commission", "campaign_id", "commission", "id"),
        Index("ix_conversions_affiliate_commission", "affiliate_id", "commission", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    affiliate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The click the order was credited to. Raw clicks are dropped after the retention period, so this
    # is a plain reference (no foreign key) and what attribution needs of the click is kept below.
    click_id: Mapped[int | None] = mapped_column(BigId)
    click_public_id: Mapped[str | None] = mapped_column(String(64))
    click_created_at: Mapped[datetime | None]
    link_id: Mapped[int | None] = mapped_column(ForeignKey("links.id", ondelete="SET NULL"))
    click_ip: Mapped[str | None] = mapped_column(String(45))
    click_user_agent: Mapped[str | None] = mapped_column(String(512))
    click_referrer: Mapped[str | None] = mapped_column(String(2000))
    click_sub1: Mapped[str | None] = mapped_column(String(100))
    click_sub2: Mapped[str | None] = mapped_column(String(100))
    click_sub3: Mapped[str | None] = mapped_column(String(100))
    click_sub4: Mapped[str | None] = mapped_column(String(100))
    click_sub5: Mapped[str | None] = mapped_column(String(100))
    order_id: Mapped[str] = mapped_column(String(255))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    # The terms of the moment the conversion was recorded; later campaign edits never change them.
    commission_type: Mapped[str] = mapped_column(String(10))
    commission_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    commission: Mapped[int] = mapped_column(BigInteger)
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_reversed: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    source: Mapped[str] = mapped_column(String(10))
    attribution_rule: Mapped[str | None] = mapped_column(String(40))
    customer_email: Mapped[str | None] = mapped_column(String(254))
    # The payment provider's id of the payment (a Stripe payment intent), to match its refunds.
    external_ref: Mapped[str | None] = mapped_column(String(255), index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    fraud_flags: Mapped[list] = mapped_column(JSON, default=list)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    payable_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    campaign: Mapped[Campaign] = relationship()
    affiliate: Mapped[User] = relationship(foreign_keys=[affiliate_id])
    # The raw click while it is still kept (None once its month was pruned).
    click: Mapped[Click | None] = relationship(
        primaryjoin="and_(Click.id == foreign(Conversion.click_id), "
                    "Click.created_at == foreign(Conversion.click_created_at))",
        viewonly=True)
    link: Mapped[Link | None] = relationship()

    @property
    def click_subs(self) -> list[tuple[int, str]]:
        """The click's sub-IDs that were set, as (number, value)."""
        return [(number, value) for number in range(1, 6) if (value := getattr(self, f"click_sub{number}"))]

    @classmethod
    def owned_by(cls, user):
        if user.role == "merchant":
            return cls.campaign_id.in_(db.select(Campaign.id).where(Campaign.merchant_id == user.id))
        return cls.affiliate_id == user.id


class Refund(db.Model):
    """A full or partial refund of a conversion's order."""

    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("commission_delta >= 0", name="delta_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversion_id: Mapped[int] = mapped_column(ForeignKey("conversions.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    commission_delta: Mapped[int] = mapped_column(BigInteger)
    # The shop's or Stripe's id of the refund, so a repeat is recognised by the database.
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    conversion: Mapped[Conversion] = relationship()


class TrackingTest(db.Model):
    """A merchant's test of their shop's integration: a test click id, and the order report it brought back.

    A report carrying a test click id is stored here and nowhere else: it never becomes a conversion.
    """

    __tablename__ = "tracking_tests"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the last report with this click id carried, as sent.
    seen_at: Mapped[datetime | None]
    source: Mapped[str | None] = mapped_column(String(16))
    order_id: Mapped[str | None] = mapped_column(String(255))
    amount: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(8))
    # Why a real conversion with these values would have been refused (an error code), if it would.
    problem: Mapped[str | None] = mapped_column(String(40))

    campaign: Mapped[Campaign] = relationship()
