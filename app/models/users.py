"""Accounts: users, their role profiles, and sign-in failures."""
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.common import utcnow

ROLES = ("admin", "merchant", "affiliate")


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'merchant', 'affiliate')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(120))
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(String(8))
    # Rotated on sign-out and password change so every older session cookie stops working.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_login_at: Mapped[datetime | None]
    last_login_ip: Mapped[str | None] = mapped_column(String(45))
    # What the person wants to be emailed about (their settings); each starts on. Which ones a role
    # is offered: app.services.accounts.notifications.CHOICES.
    notify_new_conversion: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    notify_conversion_decided: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    notify_payout_state: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    notify_application_decided: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    # Two-factor sign-in (TOTP): the authenticator's base32 secret once confirmed, sealed with a key
    # derived from SECRET_KEY (app.services.accounts.secret_box), and the last time step a code was
    # accepted for, so one code cannot sign in twice.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    merchant_profile: Mapped["MerchantProfile | None"] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan"
    )
    affiliate_profile: Mapped["AffiliateProfile | None"] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan"
    )

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return not self.is_disabled

    @property
    def display_name(self) -> str:
        # Only merchants have a profile with a company name: other roles need not look (a query each page).
        if self.role == "merchant" and self.merchant_profile and self.merchant_profile.company_name:
            return self.merchant_profile.company_name
        return self.name

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class MerchantProfile(db.Model):
    __tablename__ = "merchant_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    company_name: Mapped[str] = mapped_column(String(160))
    website: Mapped[str] = mapped_column(String(500))
    stripe_webhook_secret: Mapped[str | None] = mapped_column(String(255))
    webhook_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    user: Mapped[User] = relationship(back_populates="merchant_profile")


class AffiliateProfile(db.Model):
    __tablename__ = "affiliate_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    website: Mapped[str | None] = mapped_column(String(500))
    payout_method: Mapped[str | None] = mapped_column(String(20))
    bank_code: Mapped[str | None] = mapped_column(String(20))
    bank_name: Mapped[str | None] = mapped_column(String(120))
    bank_account: Mapped[str | None] = mapped_column(String(40))
    account_holder: Mapped[str | None] = mapped_column(String(120))
    momo_phone: Mapped[str | None] = mapped_column(String(20))
    paypal_email: Mapped[str | None] = mapped_column(String(254))
    notes: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(back_populates="affiliate_profile")


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator; only its SHA-256 is kept (80 random bits)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class SignInFailure(db.Model):
    """One failed sign-in; counted over a window to throttle guessing."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_email_at", "email", "created_at"),
                      Index("ix_sign_in_failures_ip_at", "ip", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChecklistDismissal(db.Model):
    """A person closed their first-run checklist before finishing it."""

    __tablename__ = "checklist_dismissals"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    dismissed_at: Mapped[datetime] = mapped_column(default=utcnow)
