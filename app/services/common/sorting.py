"""How a list is sorted: the `sort` and `order` of its address, read against the columns the list allows.

A key the list does not know, or an order other than "asc"/"desc", falls back to the list's default, so
a hand-edited address still shows the list. The SQL order always ends on the row id, so rows that tie
keep one order from page to page.
"""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.sql.elements import UnaryExpression

ORDERS = ("asc", "desc")


@dataclass(frozen=True)
class Sort:
    """The column a list is sorted by, and which way."""

    key: str
    descending: bool = True

    @property
    def order(self) -> str:
        return "desc" if self.descending else "asc"


def read(args: Mapping, keys: Sequence[str], default: str, descending: bool = True) -> Sort:
    """The sort asked for by `args` (a query string) among `keys`; `default` (its way `descending`) otherwise.

    A known key without a valid order is sorted the list's default way.
    """
    key = args.get("sort")
    if key not in keys:
        return Sort(default, descending)
    order = args.get("order")
    return Sort(key, order == "desc" if order in ORDERS else descending)


@dataclass(frozen=True)
class Sorts:
    """The columns a list may be sorted by: key -> SQL expressions (most significant first), and its default.

    `tie` is the row id that settles ties; it follows the same direction as the sorted column. An
    expression already given its direction (`kind.asc()`) keeps it whichever way the list is sorted.
    """

    columns: Mapping[str, Sequence]
    default: str
    tie: object
    descending: bool = True

    def read(self, args: Mapping) -> Sort:
        return read(args, tuple(self.columns), self.default, self.descending)

    def order_by(self, sort: Sort) -> list:
        """The ORDER BY clauses of `sort` (a key it does not know: the default)."""
        columns = self.columns.get(sort.key)
        if columns is None:
            sort = Sort(self.default, self.descending)
            columns = self.columns[sort.key]
        return [_directed(column, sort.descending) for column in (*columns, self.tie)]


def _directed(column, descending: bool):
    if isinstance(column, UnaryExpression) and column.modifier is not None:
        return column
    return column.desc() if descending else column.asc()
