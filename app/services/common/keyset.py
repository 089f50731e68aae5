"""Long lists read by keyset: a window of rows before or after a cursor, never an OFFSET.

A list of millions of rows cannot count itself for a pager or skip to "page 2000" without reading
everything in front of it. Instead each window remembers where it stopped (the sort value and id of
its first and last row) and the next window starts there, through an index that matches the order
(newest first: `time DESC, id DESC`). How many rows match is counted only up to `COUNT_CAP`.

A list is read in an `Order`: newest first unless the reader sorted it by another column (one an
index serves) or the other way. A cursor carries its order, so one from another order is ignored.

When a list covers a set of owners (a merchant's campaigns, an affiliate's links in one campaign),
`split` reads each owner's first rows through its own `(owner, sort column)` index and merges them,
so no owner's rows are sorted as a whole however many there are.
"""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, and_, func, or_, select, union_all

from app.extensions import db
from app.ids import ID_MAX
from app.models.common import utcnow

COUNT_CAP = 1000
BIG_ID_MAX = 2**63 - 1
# Beyond this many owners one query over all of them costs less than a branch per owner.
MAX_SPLIT = 200
# How far from where a window starts a merged list read by time looks first (about a month).
NEAR = timedelta(days=31)
_STAMP = "%Y%m%dT%H%M%S.%f"
TIME = "created_at"


@dataclass(frozen=True)
class Order:
    """How a list is read: by the model's `column` (a time, or a whole number) then id, largest first or not."""

    column: str = TIME
    descending: bool = True

    @property
    def tag(self) -> str:
        """How a cursor names this order: nothing for newest first, so its tokens stay as they always were."""
        if self == NEWEST:
            return ""
        return f"{self.column}.{'desc' if self.descending else 'asc'}"

    @property
    def newest_first(self) -> bool:
        return self == NEWEST


NEWEST = Order()


@dataclass(frozen=True)
class Cursor:
    """A position in a list: the row with this sort value and id; `newer` reads the rows above it.

    The value is the row's time in a list read by time, else a whole number (an amount, maybe negative).
    """

    value: datetime | int
    id: int
    newer: bool = False
    order: Order = NEWEST

    @property
    def token(self) -> str:
        value = self.value.strftime(_STAMP) if isinstance(self.value, datetime) else str(self.value)
        tag = self.order.tag
        return f"{tag}~{value}_{self.id}" if tag else f"{value}_{self.id}"

    @classmethod
    def parse(cls, token: str | None, newer: bool = False, order: Order = NEWEST) -> "Cursor | None":
        """The cursor a `token` from a URL stands for in `order`; None for anything that is not one of it."""
        tag, _, rest = (token or "").rpartition("~")
        if tag != order.tag:
            return None
        value, _, number = rest.partition("_")
        # A value other than a time is a whole number, below zero too (a ledger entry taking money back).
        if not _whole(number) or (order.column != TIME and not _whole(value.removeprefix("-"))):
            return None
        if order.column != TIME:
            return cls(int(value), int(number), newer, order)
        try:
            return cls(datetime.strptime(value, _STAMP), int(number), newer, order)
        except ValueError:
            return None


def _whole(text: str) -> bool:
    """A non-negative whole number that fits a 64-bit column (ASCII digits only)."""
    return text.isascii() and text.isdigit() and int(text) <= BIG_ID_MAX


def cursor_args(older: str | None, newer: str | None, order: Order = NEWEST) -> Cursor | None:
    """The cursor of a request's `older` or `newer` argument in `order` (older wins when both came)."""
    return Cursor.parse(older, order=order) or Cursor.parse(newer, newer=True, order=order)


@dataclass
class Window:
    """One window of a list and the cursors to the windows on either side."""

    items: list
    per_page: int
    count: int
    # More rows match than were counted: the count is "more than COUNT_CAP".
    capped: bool
    newer: str | None = None
    older: str | None = None
    # Not the first window: a link back to the top makes sense.
    is_first: bool = True
    order: Order = NEWEST

    @property
    def total(self) -> int:
        return self.count


def _after(model, cursor: Cursor):
    """Rows beyond the cursor in the reading direction, in a form the (column, id) index serves.

    An id from a URL beyond what the id column holds names no row; it is cut to the column's largest
    value (the same rows come back) rather than sent to the database as an error.
    """
    value, row_id = getattr(model, cursor.order.column), model.id
    largest = BIG_ID_MAX if isinstance(model.__table__.c.id.type, BigInteger) else ID_MAX
    edge = min(cursor.id, largest)
    if _reads_down(cursor.order, cursor.newer):
        return and_(value <= cursor.value, or_(value < cursor.value, row_id < edge))
    return and_(value >= cursor.value, or_(value > cursor.value, row_id > edge))


def _reads_down(order: Order, newer: bool) -> bool:
    """Whether rows are read from larger values to smaller: down a descending list, up an ascending one."""
    return order.descending != newer


def _ordered(query, columns, order: Order, newer: bool):
    value, row_id = columns
    if _reads_down(order, newer):
        return query.order_by(value.desc(), row_id.desc())
    return query.order_by(value.asc(), row_id.asc())


def window(model, query, cursor: Cursor | None, per_page: int, *, order: Order = NEWEST, split=None,
           options=()) -> Window:
    """One window of `query` (a `select(model)` with its filters, no order) in `order`, before or after `cursor`.

    A cursor of another order than `order` is ignored (the first window). `split` is (owner column,
    owner ids): the rows of each owner are read through the owner's own index and merged. Items are
    `model` instances loaded with `options`.
    """
    if cursor is not None and cursor.order != order:
        cursor = None
    bounded = query if cursor is None else query.where(_after(model, cursor))
    newer = cursor is not None and cursor.newer
    limit = per_page + 1
    count, capped = capped_count(query if split is None else query.where(split[0].in_(list(split[1]) or [-1])))
    if split is not None and 0 < len(split[1]) <= MAX_SPLIT:
        # Every matching row, when the count knows them all (this window cannot hold more).
        everything = None if capped else count
        rows = _merged(model, bounded, split, order, newer, limit, options, cursor, everything)
    else:
        if split is not None:
            bounded = bounded.where(split[0].in_(list(split[1]) or [-1]))
        columns = (getattr(model, order.column), model.id)
        rows = list(db.session.scalars(_ordered(bounded, columns, order, newer).limit(limit).options(*options)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    if newer:
        rows.reverse()
    result = Window(rows, per_page, count, capped, is_first=cursor is None or (newer and not more), order=order)
    if rows:
        first, last = rows[0], rows[-1]
        # Reading down the list there are rows above (the cursor's); reading up, the cursor's row is below.
        if cursor is not None and (not newer or more):
            result.newer = Cursor(getattr(first, order.column), first.id, order=order).token
        if (not newer and more) or newer:
            result.older = Cursor(getattr(last, order.column), last.id, order=order).token
    return result


def _merged(model, query, split, order: Order, newer: bool, limit: int, options, cursor: Cursor | None,
            everything: int | None) -> list:
    """The first `limit` rows over every owner: each owner's through its index, then the rows by id.

    Read by time, the month next to the starting point is tried first: on a table partitioned by month
    the planner then opens a partition or two per owner instead of every one (planning them all costs
    more than reading the rows). When that month holds `limit` rows they are the first `limit` of the
    whole list, since every row outside it lies further on, and when it holds all `everything` rows
    there is nothing else; otherwise the whole list is read.
    """
    keys = None
    near = _near(model, order, newer, cursor)
    if near is not None:
        keys = _merged_keys(model, query.where(near), split, order, newer, limit)
        keys = keys if len(keys) == limit or len(keys) == everything else None
    if keys is None:
        keys = _merged_keys(model, query, split, order, newer, limit)
    if not keys:
        return []
    by_id = select(model).where(model.id.in_([row_id for _value, row_id in keys]))
    if order.column == TIME:
        # The rows' own times, so the planner looks only in the partitions that hold them.
        times = [value for value, _row_id in keys]
        by_id = by_id.where(getattr(model, TIME).between(min(times), max(times)))
    rows = db.session.scalars(by_id.options(*options)).all()
    return sorted(rows, key=lambda row: (getattr(row, order.column), row.id), reverse=_reads_down(order, newer))


def _near(model, order: Order, newer: bool, cursor: Cursor | None):
    """The condition "within NEAR of where this window starts", for a list read by time (else None)."""
    if order.column != TIME:
        return None
    column = getattr(model, TIME)
    if _reads_down(order, newer):
        return column >= (cursor.value if cursor is not None else utcnow()) - NEAR
    # Reading up, only a cursor says where the window starts (the oldest row is anywhere).
    return column <= cursor.value + NEAR if cursor is not None else None


def _merged_keys(model, query, split, order: Order, newer: bool, limit: int) -> list[tuple]:
    """(sort value, id) of the first `limit` rows over every owner, each owner's read through its index."""
    column, owners = split
    keys = query.with_only_columns(getattr(model, order.column), model.id)
    branches = [_ordered(keys.where(column == owner), (getattr(model, order.column), model.id), order, newer)
                .limit(limit).subquery().select()
                for owner in sorted(set(owners))]
    merged = union_all(*branches).subquery()
    ordered = _ordered(select(merged.c[order.column], merged.c.id), (merged.c[order.column], merged.c.id), order,
                       newer)
    return [tuple(row) for row in db.session.execute(ordered.limit(limit))]


def newest_first_batches(query, time_column, id_column, size: int) -> Iterator[list]:
    """The rows of `query` newest first by (`time_column`, `id_column`), `size` at a time.

    For downloads: each batch is one short statement through the same index as the list, so a file of
    any length costs flat memory and holds no transaction open. The query must select both columns.
    """
    query = query.order_by(None).order_by(time_column.desc(), id_column.desc())
    last = None
    while True:
        batch_query = query if last is None else query.where(
            time_column <= last[0], or_(time_column < last[0], id_column < last[1]))
        batch = db.session.execute(batch_query.limit(size)).all()
        if batch:
            yield batch
        if len(batch) < size:
            return
        last = (getattr(batch[-1], time_column.key), getattr(batch[-1], id_column.key))


def capped_count(query) -> tuple[int, bool]:
    """How many rows `query` matches, counting at most COUNT_CAP + 1 of them: (count, more than the cap)."""
    limited = query.order_by(None).with_only_columns(query.selected_columns[0]).limit(COUNT_CAP + 1).subquery()
    count = db.session.scalar(select(func.count()).select_from(limited)) or 0
    return min(count, COUNT_CAP), count > COUNT_CAP
