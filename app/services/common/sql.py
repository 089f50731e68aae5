"""Statements the domains share."""
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db


def insert_ignoring_duplicates(table, unique_columns: list[str], dialect: str | None = None):
    """INSERT … ON CONFLICT (`unique_columns`) DO NOTHING into `table` (a model or a Table).

    The database, not a prior SELECT, decides whether the row exists: a repeat writes nothing and,
    on Postgres, does not abort the transaction, so the loser of a race can read the winner's row.
    `dialect` is the name of the database the statement is for (default: the session's).
    """
    dialect = dialect or db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=unique_columns)
