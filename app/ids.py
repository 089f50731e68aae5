"""What a row id can be: every id column is a 32-bit integer.

The one bound is applied by the URL converter to every `<int:…>` of every route, and by `is_id` to
ids that arrive in forms, query strings and files. A bigger number can name no row; sent to the
database it would be an error, not "not found".
"""
from werkzeug.routing import IntegerConverter

ID_MAX = 2**31 - 1


def is_id(value) -> bool:
    """Whether `value` is an int that can be a row's id."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= ID_MAX


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: a number beyond ID_MAX does not match, so the page answers 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)
