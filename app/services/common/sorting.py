"""A list's sort from its `sort` and `order` query arguments: a key the list allows, and a direction.

Each list names the keys it can be sorted by (a whitelist) and its default; anything else in the URL
falls back to that default, so a stale or hand-made address shows the list rather than an error.
"""
from collections.abc import Collection, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool = True


def read_sort(args: Mapping, keys: Collection[str], default: str, descending: bool = True) -> Sort:
    """The sort asked for in `args` if its key is one of `keys`; else `default` in its own direction."""
    key = args.get("sort")
    if key not in keys:
        return Sort(default, descending)
    order = args.get("order")
    return Sort(key, descending if order not in ("asc", "desc") else order == "desc")
