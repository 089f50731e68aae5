"""Filters the forms of every area apply to what people type."""


def strip(value):
    """Surrounding spaces removed from text (a pasted value often has some); other values as they are."""
    return value.strip() if isinstance(value, str) else value
