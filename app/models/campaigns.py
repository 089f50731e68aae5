"""Campaigns and the memberships of affiliates in them."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.common import utcnow
from app.models.users import User

CAMPAIGN_STATUSES = ("active", "paused", "ended")
COMMISSION_TYPES = ("percent", "fixed")
# What earns the commission: a sale (an order with an amount above zero) or a lead (a sign-up, no amount).
PAYS_FOR = ("sale", "lead")
JOIN_MODES = ("open", "review")
MEMBERSHIP_STATUSES = ("pending", "approved", "rejected", "removed")


class Campaign(db.Model):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'paused', 'ended')", name="status"),
        CheckConstraint("commission_type IN ('percent', 'fixed')", name="commission_type"),
        CheckConstraint("join_mode IN ('open', 'review')", name="join_mode"),
        CheckConstraint("commission_rate IS NULL OR (commission_rate >= 0 AND commission_rate <= 100)",
                        name="rate_range"),
        CheckConstraint("commission_fixed IS NULL OR commission_fixed >= 0", name="fixed_nonnegative"),
        CheckConstraint(
            "(commission_type = 'percent' AND commission_rate IS NOT NULL) OR "
            "(commission_type = 'fixed' AND commission_fixed IS NOT NULL)",
            name="terms_present",
        ),
        CheckConstraint("attribution_days BETWEEN 1 AND 365", name="attribution_range"),
        CheckConstraint("hold_days BETWEEN 0 AND 180", name="hold_range"),
        CheckConstraint("max_affiliates IS NULL OR max_affiliates >= 1", name="max_affiliates_min"),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates_order"),
        CheckConstraint("pays_for IN ('sale', 'lead')", name="pays_for"),
        # A lead has no amount to take a percentage of.
        CheckConstraint("pays_for = 'sale' OR commission_type = 'fixed'", name="lead_pays_fixed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    landing_url: Mapped[str] = mapped_column(String(2000))
    # Hosts a deep link may point at, one per line.
    allowed_hosts: Mapped[str] = mapped_column(Text, default="")
    pays_for: Mapped[str] = mapped_column(String(10), default="sale")
    commission_type: Mapped[str] = mapped_column(String(10))
    commission_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    commission_fixed: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="VND")
    attribution_days: Mapped[int] = mapped_column(default=30)
    join_mode: Mapped[str] = mapped_column(String(10), default="open")
    max_affiliates: Mapped[int | None]
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    hold_days: Mapped[int] = mapped_column(default=30)
    terms: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    auto_approve: Mapped[bool] = mapped_column(Boolean, default=False)
    # Lets a shop fire a GET postback that can only create conversions in this campaign.
    postback_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    terms_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    merchant: Mapped[User] = relationship()

    @classmethod
    def owned_by(cls, user):
        return cls.merchant_id == user.id

    @property
    def allowed_host_list(self) -> list[str]:
        return [h.strip().lower() for h in self.allowed_hosts.split() if h.strip()]

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.name!r}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("campaign_id", "affiliate_id"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'removed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    affiliate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    campaign: Mapped[Campaign] = relationship()
    affiliate: Mapped[User] = relationship(foreign_keys=[affiliate_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @classmethod
    def owned_by(cls, user):
        return cls.affiliate_id == user.id
