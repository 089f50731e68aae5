"""One page of a list query, and the date filters above such lists (calendar days in the reader's zone)."""
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.extensions import db


@dataclass
class Page:
    items: list
    page: int
    total: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(query, page: int, per_page: int, options=(), *, rows: bool = False) -> Page:
    """One page of `query`; a page number past the end shows the last page.

    Items are the query's first column (its entities), or whole rows when `rows` is set.
    """
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = min(max(page or 1, 1), max(1, -(-total // per_page)))
    query = query.options(*options).limit(per_page).offset((page - 1) * per_page)
    items = db.session.execute(query).all() if rows else db.session.scalars(query).all()
    return Page(items=list(items), page=page, total=total, per_page=per_page)


def utc_bounds(date_from: date | None, date_to: date | None, tz: str) -> tuple[datetime | None, datetime | None]:
    """Naive UTC [start, end) covering the days `date_from` to `date_to` (both included) in zone `tz`."""
    zone = ZoneInfo(tz)

    def to_utc(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)

    return (to_utc(date_from) if date_from else None,
            to_utc(date_to + timedelta(days=1)) if date_to else None)


def within_days(query, column, date_from: date | None, date_to: date | None, tz: str):
    """`query` kept to rows whose naive UTC `column` falls on the days `date_from` to `date_to` in zone `tz`."""
    start, end = utc_bounds(date_from, date_to, tz)
    if start is not None:
        query = query.where(column >= start)
    if end is not None:
        query = query.where(column < end)
    return query
