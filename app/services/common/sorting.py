"""A list's sort from its `sort` and `order` query arguments: a key the list allows, and a direction.

Each list names the keys it can be sorted by (a whitelist) and its default; anything else in the URL
falls back to that default, so a stale or hand-made address shows the list rather than an error. A list
read a page at a time by offset names its keys with their SQL columns (`Sorts`): its ORDER BY always ends
on the row id, so rows that tie keep one order from page to page.
"""
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.sql.elements import UnaryExpression


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool = True

    @property
    def order(self) -> str:
        return "desc" if self.descending else "asc"


def read_sort(args: Mapping, keys: Collection[str], default: str, descending: bool = True) -> Sort:
    """The sort asked for in `args` if its key is one of `keys`; else `default` in its own direction."""
    key = args.get("sort")
    if key not in keys:
        return Sort(default, descending)
    order = args.get("order")
    return Sort(key, descending if order not in ("asc", "desc") else order == "desc")


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
        return read_sort(args, self.columns, self.default, self.descending)

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
