"""Long lists read newest first by keyset: a window of rows before or after a cursor, never an OFFSET.

A list of millions of rows cannot count itself for a pager or skip to "page 2000" without reading
everything in front of it. Instead each window remembers where it stopped (the time and id of its
first and last row) and the next window starts there, through an index that matches the order
(`time DESC, id DESC`). How many rows match is counted only up to `COUNT_CAP`.

When a list covers a set of owners (a merchant's campaigns, an affiliate's links in one campaign),
`split` reads each owner's newest rows through its own `(owner, time)` index and merges them, so no
owner's rows are sorted as a whole however many there are.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, and_, func, or_, select, union_all

from app.extensions import db
from app.ids import ID_MAX

COUNT_CAP = 1000
BIG_ID_MAX = 2**63 - 1
# Beyond this many owners one query over all of them costs less than a branch per owner.
MAX_SPLIT = 200
_STAMP = "%Y%m%dT%H%M%S.%f"


@dataclass(frozen=True)
class Cursor:
    """A position in a list: the row with this time and id; `newer` reads the rows above it."""

    at: datetime
    id: int
    newer: bool = False

    @property
    def token(self) -> str:
        return f"{self.at.strftime(_STAMP)}_{self.id}"

    @classmethod
    def parse(cls, token: str | None, newer: bool = False) -> "Cursor | None":
        """The cursor a `token` from a URL stands for; None for anything that is not one."""
        stamp, _, number = (token or "").partition("_")
        if not number.isascii() or not number.isdigit() or int(number or 0) > BIG_ID_MAX:
            return None
        try:
            return cls(datetime.strptime(stamp, _STAMP), int(number), newer)
        except ValueError:
            return None


def cursor_args(older: str | None, newer: str | None) -> Cursor | None:
    """The cursor of a request's `older` or `newer` argument (older wins when both came)."""
    return Cursor.parse(older) or Cursor.parse(newer, newer=True)


@dataclass
class Window:
    """One window of a newest-first list and the cursors to the windows on either side."""

    items: list
    per_page: int
    count: int
    # More rows match than were counted: the count is "more than COUNT_CAP".
    capped: bool
    newer: str | None = None
    older: str | None = None
    # Not the newest window: a link back to the top makes sense.
    is_first: bool = True

    @property
    def total(self) -> int:
        return self.count


def _after(model, cursor: Cursor):
    """Rows beyond the cursor in the reading direction, in a form the (time, id) index serves.

    An id from a URL beyond what the id column holds names no row; it is cut to the column's largest
    value (the same rows come back) rather than sent to the database as an error.
    """
    at, row_id = model.created_at, model.id
    largest = BIG_ID_MAX if isinstance(model.__table__.c.id.type, BigInteger) else ID_MAX
    edge = min(cursor.id, largest)
    if cursor.newer:
        return and_(at >= cursor.at, or_(at > cursor.at, row_id > edge))
    return and_(at <= cursor.at, or_(at < cursor.at, row_id < edge))


def _ordered(query, model, newer: bool):
    if newer:
        return query.order_by(model.created_at.asc(), model.id.asc())
    return query.order_by(model.created_at.desc(), model.id.desc())


def window(model, query, cursor: Cursor | None, per_page: int, *, split=None, options=()) -> Window:
    """One window of `query` (a `select(model)` with its filters, no order) before or after `cursor`.

    `split` is (owner column, owner ids): the rows of each owner are read through the owner's own
    index and merged. Items are `model` instances loaded with `options`.
    """
    bounded = query if cursor is None else query.where(_after(model, cursor))
    newer = cursor is not None and cursor.newer
    limit = per_page + 1
    if split is not None and 0 < len(split[1]) <= MAX_SPLIT:
        rows = _merged(model, bounded, split, newer, limit, options)
    else:
        if split is not None:
            bounded = bounded.where(split[0].in_(list(split[1]) or [-1]))
        rows = list(db.session.scalars(_ordered(bounded, model, newer).limit(limit).options(*options)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    if newer:
        rows.reverse()
    count, capped = capped_count(query if split is None else query.where(split[0].in_(list(split[1]) or [-1])))
    result = Window(rows, per_page, count, capped, is_first=cursor is None or (newer and not more))
    if rows:
        first, last = rows[0], rows[-1]
        # Reading older rows: there are newer ones (the cursor's); reading newer: the cursor's row is older.
        if cursor is not None and (not newer or more):
            result.newer = Cursor(first.created_at, first.id).token
        if (not newer and more) or newer:
            result.older = Cursor(last.created_at, last.id).token
    return result


def _merged(model, query, split, newer: bool, limit: int, options) -> list:
    """The first `limit` rows over every owner: each owner's through its index, then the rows by id."""
    column, owners = split
    keys = query.with_only_columns(model.created_at, model.id)
    branches = [_ordered(keys.where(column == owner), model, newer).limit(limit).subquery().select()
                for owner in sorted(set(owners))]
    merged = union_all(*branches).subquery()
    order = (merged.c.created_at, merged.c.id)
    ids = list(db.session.scalars(select(merged.c.id).order_by(*(o.asc() if newer else o.desc() for o in order))
                                  .limit(limit)))
    if not ids:
        return []
    rows = db.session.scalars(select(model).where(model.id.in_(ids)).options(*options)).all()
    return sorted(rows, key=lambda row: (row.created_at, row.id), reverse=not newer)


def capped_count(query) -> tuple[int, bool]:
    """How many rows `query` matches, counting at most COUNT_CAP + 1 of them: (count, more than the cap)."""
    limited = query.order_by(None).with_only_columns(query.selected_columns[0]).limit(COUNT_CAP + 1).subquery()
    count = db.session.scalar(select(func.count()).select_from(limited)) or 0
    return min(count, COUNT_CAP), count > COUNT_CAP
