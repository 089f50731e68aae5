"""Who may sign up: the admin's sign-up policy and the invitations admins and merchants send."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.campaigns import Campaign
from app.models.common import utcnow
from app.models.users import User

SIGN_UP_POLICIES = ("open", "affiliates", "invitation")


class SiteSetting(db.Model):
    """One setting the admin changes in the app rather than in the environment (the sign-up policy)."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Invitation(db.Model):
    """An emailed invitation to sign up in a role; the link carries a token of which only the SHA-256 is kept."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint("role IN ('merchant', 'affiliate')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # A merchant's invitation may admit the affiliate straight into one of their campaigns.
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]

    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])
    campaign: Mapped[Campaign | None] = relationship()

    def state(self, now: datetime) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "pending"

    @classmethod
    def owned_by(cls, user):
        return cls.invited_by_id == user.id
