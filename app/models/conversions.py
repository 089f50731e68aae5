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
from app.models.common import utcnow
from app.models.tracking import Click
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
        # Newest first, all of them or those in one status (the review list).
        Index("ix_conversions_created", "created_at", "id"),
        Index("ix_conversions_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    affiliate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    click_id: Mapped[int | None] = mapped_column(ForeignKey("clicks.id", ondelete="SET NULL"))
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
    click: Mapped[Click | None] = relationship()

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
