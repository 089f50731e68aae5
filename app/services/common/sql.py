"""Statements the domains share."""
from sqlalchemy import func, select
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


def distinct_values(column) -> list:
    """The distinct non-null values of an indexed `column`, in order, one index probe per value.

    A plain `SELECT DISTINCT` reads every row (or index entry) of the table; this walks the index from
    one value to the next (a "loose index scan"), so a handful of values costs a handful of probes
    however many rows hold them.
    """
    steps = select(func.min(column).label("value")).cte("steps", recursive=True)
    following = select(func.min(column)).where(column > steps.c.value).scalar_subquery()
    steps = steps.union_all(select(following.label("value")).where(steps.c.value.is_not(None)))
    return list(db.session.scalars(select(steps.c.value).where(steps.c.value.is_not(None)).order_by(steps.c.value)))
