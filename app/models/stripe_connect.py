"""Stripe Connect: affiliates' connected accounts, payout runs with one item per request, bank payouts."""
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.common import BigId, utcnow
from app.models.users import User

ACCOUNT_STATUSES = ("details_needed", "pending_verification", "ready", "restricted")
RUN_KINDS = ("schedule", "admin", "sweep")
RUN_STATUSES = ("queued", "running", "finished")
ITEM_OUTCOMES = ("queued", "sending", "sent", "failed", "retry_later", "skipped")


class StripeAccount(db.Model):
    """An affiliate's Express connected account, as Stripe last described it."""

    __tablename__ = "stripe_accounts"
    __table_args__ = (
        CheckConstraint("status IN ('details_needed', 'pending_verification', 'ready', 'restricted')",
                        name="status"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(24), default="details_needed")
    details_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    transfers_capability: Mapped[str] = mapped_column(String(16), default="inactive")
    disabled_reason: Mapped[str | None] = mapped_column(String(64))
    # Stripe's requirement keys ("individual.dob.day", "external_account", …), as last reported.
    currently_due: Mapped[list] = mapped_column(JSON, default=list)
    past_due: Mapped[list] = mapped_column(JSON, default=list)
    pending_verification: Mapped[list] = mapped_column(JSON, default=list)
    current_deadline: Mapped[datetime | None]
    # `created` of the newest account.updated event applied, so an older one arriving late changes nothing.
    stripe_updated_at: Mapped[int] = mapped_column(BigInteger, default=0)
    # Automatic runs skip the affiliate after this many refused transfers in a row, until an admin acts.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    paused_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    @property
    def is_ready(self) -> bool:
        return self.status == "ready"


class StripePayoutRun(db.Model):
    """One pass over payout requests: the daily run, an admin's "Pay now", or a sweep of abandoned ones."""

    __tablename__ = "stripe_payout_runs"
    __table_args__ = (
        CheckConstraint("kind IN ('schedule', 'admin', 'sweep')", name="kind"),
        CheckConstraint("status IN ('queued', 'running', 'finished')", name="status"),
        # One scheduled run per day, enforced by the database: a second scheduler tick finds it taken.
        Index("uq_stripe_payout_runs_scheduled_day", "scheduled_for", unique=True,
              sqlite_where=text("kind = 'schedule'"), postgresql_where=text("kind = 'schedule'")),
        Index("ix_stripe_payout_runs_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    scheduled_for: Mapped[date | None] = mapped_column(Date)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    # Renewed while the run works; a running run whose heartbeat is old has died and is swept.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Approved requests the run left to the manual queue (not Stripe payouts), counted when it finished.
    manual_left: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)

    requested_by: Mapped[User | None] = relationship()


class StripePayoutItem(db.Model):
    """What one run did with one payout request."""

    __tablename__ = "stripe_payout_items"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('queued', 'sending', 'sent', 'failed', 'retry_later', 'skipped')", name="outcome"),
        Index("uq_stripe_payout_items_run_request", "run_id", "payout_request_id", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("stripe_payout_runs.id"))
    payout_request_id: Mapped[int] = mapped_column(ForeignKey("payout_requests.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(12), default="queued")
    transfer_id: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class StripeBankPayout(db.Model):
    """Money Stripe moved from an affiliate's connected account to their bank (`payout.paid` / `payout.failed`)."""

    __tablename__ = "stripe_bank_payouts"
    __table_args__ = (Index("ix_stripe_bank_payouts_user_created", "user_id", "created"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payout_id: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    amount: Mapped[int] = mapped_column(BigInteger)  # our minor units
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    arrival_date: Mapped[date | None] = mapped_column(Date)
    failure_code: Mapped[str | None] = mapped_column(String(64))
    failure_message: Mapped[str | None] = mapped_column(Text)
    created: Mapped[int] = mapped_column(BigInteger)  # Stripe's `created` of the payout
    event_created: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
