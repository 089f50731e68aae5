"""Personal API keys of every role, stored only as a hash."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.common import utcnow
from app.models.users import User

# "write" lets a key change things; every key can read what its owner may see.
SCOPES = ("read", "write")


class ApiKey(db.Model):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    # The first characters of the key, shown so its owner can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated, from SCOPES.
    scopes: Mapped[str] = mapped_column(String(40), default="read write", server_default="read write")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @classmethod
    def owned_by(cls, user):
        return cls.user_id == user.id

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def scope_list(self) -> list[str]:
        return [scope for scope in SCOPES if scope in self.scopes.split()]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes.split()
