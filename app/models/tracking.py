"""Tracking links and the clicks on them."""
import re
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.campaigns import Campaign
from app.models.common import BigId, utcnow
from app.models.users import User


class Link(db.Model):
    __tablename__ = "links"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    affiliate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Empty means the campaign's landing page.
    destination_url: Mapped[str | None] = mapped_column(String(2000))
    label: Mapped[str | None] = mapped_column(String(120))
    sub_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]
    # When the affiliate first copied the link with its copy button (the first-run checklist's last step).
    copied_at: Mapped[datetime | None]

    campaign: Mapped[Campaign] = relationship()
    affiliate: Mapped[User] = relationship()

    @classmethod
    def owned_by(cls, user):
        return cls.affiliate_id == user.id


# The monthly partitions of `clicks` on Postgres ("clicks_2026_12") and the one for anything outside them.
CLICK_PARTITION_NAME = re.compile(r"^clicks_(?:\d{4}_\d{2}|default)$")


def is_click_partition(name: str) -> bool:
    """A partition is part of `clicks`, not a table of its own (schema comparisons skip it)."""
    return bool(CLICK_PARTITION_NAME.match(name))


class Click(db.Model):
    __tablename__ = "clicks"
    __table_args__ = (
        Index("ix_clicks_campaign_created", "campaign_id", "created_at"),
        Index("ix_clicks_affiliate_created", "affiliate_id", "created_at"),
        Index("ix_clicks_link_created", "link_id", "created_at"),
        # Every click, newest first (the admin's clicks list).
        Index("ix_clicks_created", "created_at", "id"),
        # The uniqueness rule looks up a visitor's unique clicks on a link in the past hour.
        Index("ix_clicks_unique_visitor", "link_id", "ip", "created_at",
              postgresql_where=text("is_unique"), sqlite_where=text("is_unique")),
        # On Postgres the table is split by month of `created_at`, and a unique key there must hold the
        # partition key; the time a click was made never changes, so a replayed click still collides.
        # (The primary key there is (id, created_at) too; ids come from one sequence and stay unique.)
        UniqueConstraint("public_id", "created_at", name="uq_clicks_public_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # The opaque id a visitor carries: URL-safe, >= 128 random bits.
    public_id: Mapped[str] = mapped_column(String(64))
    link_id: Mapped[int] = mapped_column(ForeignKey("links.id", ondelete="CASCADE"))
    # The link's campaign and affiliate, copied so figures need no join. No foreign keys of their own:
    # the link's tie them to a campaign and a user, and two more checks on every stored click cost
    # about a third of the insert (migration 0024).
    campaign_id: Mapped[int]
    affiliate_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    referrer: Mapped[str | None] = mapped_column(String(2000))
    sub1: Mapped[str | None] = mapped_column(String(100))
    sub2: Mapped[str | None] = mapped_column(String(100))
    sub3: Mapped[str | None] = mapped_column(String(100))
    sub4: Mapped[str | None] = mapped_column(String(100))
    sub5: Mapped[str | None] = mapped_column(String(100))
    is_unique: Mapped[bool] = mapped_column(Boolean, default=True)
    is_attributable: Mapped[bool] = mapped_column(Boolean, default=True)

    link: Mapped[Link] = relationship()

    @classmethod
    def owned_by(cls, user):
        return cls.affiliate_id == user.id


class ClickStreamMark(db.Model):
    """The newest entry of a Redis click stream the drain has stored: what a Redis that lost data is compared with."""

    __tablename__ = "click_stream_marks"

    stream: Mapped[str] = mapped_column(String(100), primary_key=True)
    # A stream entry id is "<milliseconds>-<sequence>".
    last_ms: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
