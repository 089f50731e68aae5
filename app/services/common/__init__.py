"""Pieces every domain's services share: the service error base, the one paginator and the date
filters of lists, the "insert, ignoring duplicates" statement, and sending email."""
