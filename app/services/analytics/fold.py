"""Folding rows into the rollup tables through a temporary batch table.

Whatever is being counted (new clicks, conversion changes, paid shares, or raw rows for a rebuild)
is first summed at the finest grain into `stats_batch`; every rollup table then takes its own
coarser sums of the batch in one upsert that adds to the rows already there.
"""
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    cast,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from app.models.analytics import MEASURES, ROLLUP_MODELS, MonthlyAffiliateStats
from app.services.analytics.sources import FINE_DIMS, Source

_DIM_TYPES = {"day": Date, "campaign_id": Integer, "affiliate_id": Integer, "link_id": Integer,
              "sub_id": lambda: String(100), "referrer": lambda: String(255), "currency": lambda: String(3)}

BATCH = Table(
    "stats_batch", MetaData(),
    *(Column(name, _DIM_TYPES[name]()) for name in FINE_DIMS),
    *(Column(name, BigInteger, nullable=False, default=0) for name in MEASURES),
    prefixes=["TEMPORARY"],
)


def dialect_insert(dialect: str):
    """`insert` with ON CONFLICT for this dialect."""
    return (postgresql if dialect == "postgresql" else sqlite).insert


def start_batch(connection) -> None:
    """An empty batch table for this transaction."""
    connection.execute(text("DROP TABLE IF EXISTS stats_batch"))
    BATCH.create(connection)


def end_batch(connection) -> None:
    connection.execute(text("DROP TABLE IF EXISTS stats_batch"))


def add_from(connection, source: Source, filters: dict | None = None, start=None, end=None,
             measures=MEASURES) -> None:
    """Sum `source` at the finest grain into the batch."""
    query = source.select(FINE_DIMS, filters or {}, start, end, measures)
    names = list(FINE_DIMS) + [m for m in measures if m in source.measures]
    connection.execute(insert(BATCH).from_select(names, query))


def add_rows(connection, rows: list[dict]) -> None:
    """Add figures computed in Python (each row has every dimension and some measures)."""
    if rows:
        connection.execute(insert(BATCH), [{**dict.fromkeys(MEASURES, 0), **row} for row in rows])


def month_of(column, dialect: str):
    if dialect == "postgresql":
        return cast(func.date_trunc(literal_column("'month'"), column), Date)
    return func.date(column, literal_column("'start of month'"), type_=Date)


def fold_batch(connection) -> None:
    """Add the batch to every rollup table."""
    dialect = connection.dialect.name
    for model in ROLLUP_MODELS:
        table = model.__table__
        keys = [c.name for c in table.primary_key.columns]
        key_columns = [month_of(BATCH.c.day, dialect).label("month") if name == "month" and
                       model is MonthlyAffiliateStats else BATCH.c[name] for name in keys]
        query = (select(*key_columns, *(func.sum(BATCH.c[m]).label(m) for m in MEASURES))
                 .where(true()).group_by(*key_columns))
        statement = dialect_insert(dialect)(table).from_select(keys + list(MEASURES), query)
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_={m: table.c[m] + statement.excluded[m] for m in MEASURES})
        connection.execute(statement)


def zero(connection, measures, since=None, until=None) -> None:
    """Set `measures` to 0 on rollup rows of days in [since, until) (months for the monthly table)."""
    for model in ROLLUP_MODELS:
        table = model.__table__
        day = table.c.get("day", table.c.get("month"))
        conditions = [or_(*(table.c[m] != 0 for m in measures))]
        if since is not None:
            conditions.append(day >= since)
        if until is not None:
            conditions.append(day < until)
        connection.execute(update(table).where(*conditions).values(dict.fromkeys(measures, 0)))


def drop_rows(connection, since=None) -> None:
    """Delete rollup rows of days from `since` on (every row without it)."""
    for model in ROLLUP_MODELS:
        table = model.__table__
        day = table.c.get("day", table.c.get("month"))
        connection.execute(delete(table).where(day >= since) if since is not None else delete(table))


def drop_empty_rows(connection) -> None:
    """Rows whose figures all came back to zero (a conversion and its rejection before a fold) go."""
    for model in ROLLUP_MODELS:
        table = model.__table__
        connection.execute(delete(table).where(*(table.c[m] == 0 for m in MEASURES)))
