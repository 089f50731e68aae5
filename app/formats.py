"""Dates, times, numbers and percentages in the reader's language, and the display time zone's name.

Vietnamese readers get day-month-year: "05/12/2026" and "05/12/2026 14:30" (Babel's own Vietnamese
short forms drop the leading zeros and the century, and put the time first). Other languages use
their CLDR forms: the medium date, and for a moment the medium date with the short time. Lists and
e-mails show no seconds. Naive datetimes are UTC and are shown in the display time zone.
"""
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, dates
from babel.core import get_global
from flask import current_app
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    get_locale,
    get_timezone,
    to_user_timezone,
)

# Where a language's usage differs from what Babel's CLDR forms give.
PATTERNS = {"vi": {"date": "dd/MM/yyyy", "datetime": "dd/MM/yyyy HH:mm", "month": "MM/yyyy"}}
NAMED = ("short", "medium", "long", "full")


def _locale() -> Locale:
    return get_locale() or Locale.parse(current_app.config["BABEL_DEFAULT_LOCALE"])


def date_pattern(locale: Locale | None = None) -> str:
    locale = locale or _locale()
    return PATTERNS.get(locale.language, {}).get("date") or locale.date_formats["medium"].pattern


def datetime_pattern(locale: Locale | None = None) -> str:
    locale = locale or _locale()
    own = PATTERNS.get(locale.language, {}).get("datetime")
    if own:
        return own
    glue = locale.datetime_formats["medium"]
    glue = glue if isinstance(glue, str) else glue.pattern
    day, time = locale.date_formats["medium"].pattern, locale.time_formats["short"].pattern
    return glue.replace("{1}", day).replace("{0}", time)


def format_day(value: date | datetime | None, format: str | None = None) -> str:
    """A calendar day; a datetime is first moved into the display time zone. `format` "long"/"full"
    or an explicit pattern is passed on to Babel; anything else gives the language's usual form."""
    if value is None:
        return ""
    if format in ("long", "full") or (format and format not in NAMED):
        return format_date(value, format)
    # What flask_babel's format_date does with a pattern, with the locale looked up once: lists show
    # hundreds of dates, and each lookup goes through the request context. Babel writes only the
    # calendar day, so the text of a day is kept (lists repeat the same few days).
    locale = get_locale()
    if isinstance(value, datetime):
        value = _local_day(value)
    return _day_text(value, date_pattern(locale or _locale()), locale)


def _local_day(value: datetime) -> date:
    """The display time zone's calendar day of `value` (naive is UTC), as flask_babel's
    `to_user_timezone` gives it, converted by zoneinfo (a tenth of pytz's cost)."""
    zone = _zone(str(get_timezone()))
    if zone is None:
        return to_user_timezone(value).date()
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone).date()


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return None


@lru_cache(maxsize=4096)
def _day_text(day: date, pattern: str, locale: Locale | None) -> str:
    return dates.format_date(day, pattern, locale=locale)


def format_moment(value: datetime | None, format: str | None = None) -> str:
    """A moment, to the minute, in the display time zone (an explicit Babel pattern is honoured)."""
    if value is None:
        return ""
    if format and format not in NAMED:
        return format_datetime(value, format)
    return format_datetime(value, datetime_pattern())


def format_month(value: date | None) -> str:
    if value is None:
        return ""
    pattern = PATTERNS.get(_locale().language, {}).get("month") or "MMM yyyy"
    return format_date(value, pattern)


def format_number(value, decimals: int | None = None) -> str:
    """A number with the language's grouping and decimal mark: 50000 → "50.000", 7.5 → "7,5" in Vietnamese."""
    if value is None:
        return ""
    if decimals is None:
        return format_decimal(value)
    return format_decimal(value, format="#,##0." + "0" * decimals if decimals else "#,##0")


def format_rate(value, decimals: int | None = None) -> str:
    """`value` percent ("7.5" or 7.5 means 7.5 %), as "7,5%" in Vietnamese and "7.5%" in English.
    With `decimals`, exactly that many ("10,0%"); else up to two, trailing zeros dropped."""
    if value is None:
        return ""
    pattern = "#,##0." + ("0" * decimals if decimals is not None else "##") + "%"
    if decimals == 0:
        pattern = "#,##0%"
    return format_percent(Decimal(str(value)) / 100, format=pattern)


def zone_label(zone: str | None = None) -> str:
    """The display time zone as people name it: "Việt Nam (GMT+7)", "Vietnam (GMT+7)", not its IANA id.

    Used in sentences that already say "time zone" ("giờ" in Vietnamese). A country with several zones
    adds the city: "United States, New York (GMT-5)".
    """
    zone = str(zone or current_app.config["BABEL_DEFAULT_TIMEZONE"])
    locale = _locale()
    canonical = get_global("zone_aliases").get(zone, zone)
    territory = get_global("zone_territories").get(canonical)
    country = locale.territories.get(territory) if territory else None
    city = zone.rsplit("/", 1)[-1].replace("_", " ")
    if country and len(get_global("territory_zones").get(territory, ())) > 1:
        name = f"{country}, {city}"
    else:
        name = country or city
    try:
        offset = datetime.now(UTC).astimezone(ZoneInfo(zone)).utcoffset()
    except (KeyError, ValueError):
        return name
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    gmt = "GMT" if minutes == 0 else f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return f"{name} ({gmt})"


def init_app(app) -> None:
    app.jinja_env.filters.update(date=format_day, datetime=format_moment, month=format_month,
                                 number=format_number, rate=format_rate, zone=zone_label)
