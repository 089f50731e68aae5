"""Column helpers shared by the models."""
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Integer

# Times are stored as naive UTC everywhere so SQLite and Postgres behave the same.


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# A 64-bit key on Postgres that still autoincrements on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")
