"""The append-only ledger and payout requests."""
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.common import BigId, utcnow
from app.models.users import User

LEDGER_KINDS = ("commission", "reversal", "payout_reserve", "payout_release", "adjustment")
PAYOUT_STATUSES = ("requested", "approved", "processing", "paid", "failed", "rejected", "cancelled", "reversed")
OPEN_PAYOUT_STATUSES = ("requested", "approved", "processing")
PAYOUT_METHODS = ("bank_transfer", "momo", "paypal", "stripe", "cash", "other")


class LedgerEntry(db.Model):
    """One movement of an affiliate's money. Rows are only ever inserted."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_nonzero"),
        CheckConstraint(
            "kind IN ('commission', 'reversal', 'payout_reserve', 'payout_release', 'adjustment')",
            name="kind",
        ),
        Index("ix_ledger_entries_affiliate_currency", "affiliate_id", "currency"),
        # Only a reversal takes a balance below zero: the list of negative balances starts from these.
        Index("ix_ledger_entries_reversals", "affiliate_id", "currency",
              sqlite_where=text("kind = 'reversal'"), postgresql_where=text("kind = 'reversal'")),
        # The affiliate's statement, read currency by currency newest or oldest first, or by amount.
        Index("ix_ledger_entries_statement_time", "affiliate_id", "currency", "created_at", "id"),
        Index("ix_ledger_entries_statement_amount", "affiliate_id", "currency", "amount", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    affiliate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    conversion_id: Mapped[int | None] = mapped_column(ForeignKey("conversions.id"), index=True)
    payout_request_id: Mapped[int | None] = mapped_column(ForeignKey("payout_requests.id"), index=True)
    # One key per movement ("commission:conv:12"), so a repeat is refused by the database.
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    # When the money becomes payable (commissions wait for the campaign's hold period).
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the movement is about, as a code and its parameters (`app/memos.py` words them for the reader);
    # `memo` holds free text: the English memo of rows written before the codes, or a write-off's reason.
    memo: Mapped[str | None] = mapped_column(String(255))
    memo_code: Mapped[str | None] = mapped_column(String(40))
    memo_params: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def owned_by(cls, user):
        return cls.affiliate_id == user.id


class PayoutRequest(db.Model):
    __tablename__ = "payout_requests"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "status IN ('requested', 'approved', 'processing', 'paid', 'failed', 'rejected', 'cancelled', 'reversed')",
            name="status",
        ),
        # One open request per affiliate and currency, enforced by the database.
        Index(
            "uq_payout_requests_open_per_currency", "affiliate_id", "currency", unique=True,
            sqlite_where=text("status IN ('requested', 'approved', 'processing')"),
            postgresql_where=text("status IN ('requested', 'approved', 'processing')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    affiliate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12), default="requested", index=True)
    method: Mapped[str | None] = mapped_column(String(20))
    # The payout details as they were when the request was made.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    paid_at: Mapped[datetime | None]
    paid_on: Mapped[date | None]
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_method: Mapped[str | None] = mapped_column(String(20))
    transaction_id: Mapped[str | None] = mapped_column(String(120))
    payment_notes: Mapped[str | None] = mapped_column(Text)
    proof_path: Mapped[str | None] = mapped_column(String(255))
    proof_filename: Mapped[str | None] = mapped_column(String(255))
    proof_content_type: Mapped[str | None] = mapped_column(String(64))
    failed_reason: Mapped[str | None] = mapped_column(Text)
    stripe_transfer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # What came back after payment (a Stripe transfer reversed in part or in full), released in the ledger.
    reversed_amount: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Sent with every Stripe call for this request, so Stripe pays it at most once.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    affiliate: Mapped[User] = relationship(foreign_keys=[affiliate_id])

    @classmethod
    def owned_by(cls, user):
        return cls.affiliate_id == user.id
