"""SQL the rollup and the pages share: a stored UTC time's day in the display zone, a referrer's domain.

Postgres computes both itself. SQLite has no time zones and no regular expressions, so the same
two functions are given to every SQLite connection from Python (`install`); the Python versions are
also what the tests hold the SQL to.
"""
import functools
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, String, cast, event, func, literal_column
from sqlalchemy.engine import Engine

LOCAL_DAY = "analytics_local_day"
REFERRER_DOMAIN = "analytics_referrer_domain"
REFERRER_MAX = 255
# scheme://[user@]host — the host is what we keep; the same pattern is used in SQL and in Python.
HOST_PATTERN = r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]+)"
_HOST = re.compile(HOST_PATTERN)
_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")


@functools.cache
def zone(name: str) -> ZoneInfo:
    """The zone called `name`; refuses names that are not plain zone ids (they are written into SQL)."""
    if not _ZONE_NAME.match(name or ""):
        raise ValueError(f"not a time zone name: {name!r}")
    return ZoneInfo(name)


def local_day_of(moment: datetime, zone_name: str) -> date:
    """The calendar day in `zone_name` of a naive UTC time."""
    return moment.replace(tzinfo=UTC).astimezone(zone(zone_name)).date()


def referrer_domain_of(referrer: str | None) -> str:
    """"shop.example" for "https://www.Shop.example/page?x"; "" when there is no readable host."""
    match = _HOST.match(referrer or "")
    if match is None:
        return ""
    return match.group(1).lower().removeprefix("www.")[:REFERRER_MAX]


def local_day(column, zone_name: str, dialect: str):
    """SQL for the day of `column` (naive UTC) in `zone_name`."""
    zone(zone_name)
    # A literal, not a parameter: Postgres must see the same expression in SELECT and GROUP BY.
    name = literal_column(f"'{zone_name}'", String)
    if dialect == "postgresql":
        return cast(func.timezone(name, func.timezone(literal_column("'UTC'"), column)), Date)
    return func.date(getattr(func, LOCAL_DAY)(column, name), type_=Date)


def local_month(column, zone_name: str, dialect: str):
    """SQL for the first day of the month of `column` (naive UTC) in `zone_name`."""
    zone(zone_name)
    name = literal_column(f"'{zone_name}'", String)
    if dialect == "postgresql":
        return cast(func.date_trunc(literal_column("'month'"),
                                    func.timezone(name, func.timezone(literal_column("'UTC'"), column))), Date)
    return func.date(getattr(func, LOCAL_DAY)(column, name), literal_column("'start of month'"), type_=Date)


def referrer_domain(column, dialect: str):
    """SQL for `referrer_domain_of(column)`."""
    if dialect == "postgresql":
        host = func.substring(column, literal_column(f"'{HOST_PATTERN}'"))
        bare = func.regexp_replace(func.lower(func.coalesce(host, literal_column("''"))),
                                   literal_column(r"'^www\.'"), literal_column("''"))
        return func.left(bare, REFERRER_MAX, type_=String)
    return getattr(func, REFERRER_DOMAIN)(column, type_=String)


def _sqlite_local_day(stored, zone_name):
    if stored is None:
        return None
    return local_day_of(datetime.fromisoformat(str(stored)), zone_name).isoformat()


def _on_connect(dbapi_connection, _record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function(LOCAL_DAY, 2, _sqlite_local_day, deterministic=True)
        dbapi_connection.create_function(REFERRER_DOMAIN, 1, referrer_domain_of, deterministic=True)


def install() -> None:
    """Give every SQLite connection opened from now on the two functions (Postgres needs nothing)."""
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)
