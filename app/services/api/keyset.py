"""Cursor pages over a query, newest first, without counting the whole table.

A cursor is an opaque token for "after this row": the row's id, versioned and base64-encoded so
clients treat it as a token rather than a number. Every list here orders by id descending (ids
grow with time), so a page is one indexed range read however long the table is.
"""
import base64
import binascii
from dataclasses import dataclass

from app.extensions import db
from app.services.common.errors import ServiceError

DEFAULT_SIZE = 25
MAX_SIZE = 100
_VERSION = "v1:"


class InvalidCursor(ServiceError):
    """The cursor is not one this API gave out."""

    field = "after"


class InvalidPageSize(ServiceError):
    """Ask for 1 to 100 items at a time."""

    field = "first"


@dataclass
class CursorPage:
    items: list
    cursors: list[str]
    has_next: bool
    has_previous: bool


def encode(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_VERSION}{row_id}".encode()).decode().rstrip("=")


def decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor() from exc
    number = text.removeprefix(_VERSION)
    if not text.startswith(_VERSION) or not number.isdigit() or len(number) > 19:
        raise InvalidCursor()
    return int(number)


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_SIZE
    if not 1 <= first <= MAX_SIZE:
        raise InvalidPageSize()
    return first


def page(query, id_column, first: int | None = None, after: str | None = None, options=()) -> CursorPage:
    """Up to `first` rows of `query` (entities) after the cursor, by `id_column` descending."""
    size = page_size(first)
    if after:
        query = query.where(id_column < decode(after))
    rows = list(db.session.scalars(query.options(*options).order_by(id_column.desc()).limit(size + 1)))
    items = rows[:size]
    return CursorPage(items=items, cursors=[encode(item.id) for item in items], has_next=len(rows) > size,
                      has_previous=after is not None)
