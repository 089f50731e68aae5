"""What every request's query string and form data pass through before any view or form reads them.

A NUL character cannot be typed, means nothing in any field, and Postgres refuses it in text
columns; one arriving in a parameter (name or value) is dropped here, once, for every query
parameter and form field of the app, instead of in each field's validators.
"""
from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class CleanParameters(ImmutableMultiDict):
    """Parsed parameters with NUL characters removed from every name and text value (files untouched)."""

    def __init__(self, mapping=None):
        if mapping is not None and not isinstance(mapping, dict | MultiDict):
            mapping = [(_without_nul(name), _without_nul(value)) for name, value in mapping]
        super().__init__(mapping)


class CleanRequest(Request):
    parameter_storage_class = CleanParameters
