"""CSV files of the analytics tables: the funnel, the trend, a whole ranking, the cohorts.

UTF-8 with a byte order mark so Excel shows Vietnamese, written a chunk at a time while the rows
are read; amounts as plain numbers in major units ("500000" VND, "12.50" USD) with the currency
beside them; text cells that a spreadsheet would run as a formula are quoted.
"""
import csv
import io
from collections.abc import Iterable, Iterator

from flask_babel import gettext as _

from app.money import from_minor
from app.services.analytics.cohorts import cohorts
from app.services.analytics.funnel import COMPARED, LABELS, funnel, trend
from app.services.analytics.pages import Options
from app.services.analytics.periods import Period
from app.services.analytics.rankings import dimension_for, ranking
from app.services.analytics.reader import Reader, month_start
from app.services.analytics.scope import Filters, Scope

TABLES = ("funnel", "trend", "top", "cohorts")
CHUNK_ROWS = 200
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def amount(value: int | None, currency: str) -> str:
    return "" if value is None else f"{from_minor(value, currency):f}"


def utc_text(moment) -> str:
    """A naive UTC time as the files write it (ISO 8601 with Z), or empty."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text starting with a byte order mark, a chunk of rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _funnel_rows(reader: Reader, period: Period, compare: bool):
    currency = reader.filters.currency
    current = funnel(reader, period)
    previous = funnel(reader, period.previous()) if compare else None
    money = {"revenue", "commission", "approved_net", "commission_paid", "epc", "average_order"}
    for name in COMPARED:
        value = current.value(name)
        before = previous.value(name) if previous else None
        if name in money:
            yield [str(LABELS[name]), amount(value, currency), amount(before, currency) if compare else "", currency]
        else:
            yield [str(LABELS[name]), "" if value is None else value, "" if before is None else before, ""]


def _trend_rows(reader: Reader, period: Period):
    currency = reader.filters.currency
    for point in trend(reader, period):
        figures = point.figures
        yield [point.day.isoformat(), figures["clicks"], figures["unique_clicks"], figures["conversions"],
               amount(figures["revenue"], currency), amount(figures["commission"], currency), currency]


def _top_rows(reader: Reader, period: Period, options: Options):
    currency = reader.filters.currency
    dimension = dimension_for(reader.scope.role, options.dimension)
    for row in ranking(reader, period, dimension, options.metric, options.descending, limit=None):
        figures = row.figures
        yield [cell(row.key), cell(row.label), cell(row.detail), figures["clicks"], figures["unique_clicks"],
               figures["conversions"], figures["approved"], "" if row.conversion_rate is None else row.conversion_rate,
               amount(figures["revenue"], currency), amount(figures["commission"], currency),
               amount(row.epc, currency), currency]


def _cohort_rows(reader: Reader, period: Period):
    currency = reader.filters.currency
    for cohort in cohorts(reader, month_start(period.end)):
        for months_since, found in enumerate(cohort.cells):
            if found is not None:
                share = cohort.share(found)
                yield [cohort.month.strftime("%Y-%m"), cohort.size, months_since, found[0],
                       "" if share is None else share, amount(found[1], currency), currency]


def export(table: str, scope: Scope, filters: Filters, period: Period, options: Options,
           zone_name: str) -> Iterator[str]:
    """The CSV text of one table of the page, as the page shows it (a ranking: every row of it)."""
    headers = {
        "funnel": [_("figure"), _("value"), _("previous period"), _("currency")],
        "trend": [_("day") if not period.weekly else _("week starting"), _("clicks"), _("unique clicks"),
                  _("conversions"), _("revenue"), _("commission"), _("currency")],
        "top": [_("id"), _("name"), _("detail"), _("clicks"), _("unique clicks"), _("conversions"), _("approved"),
                _("conversion rate %"), _("revenue"), _("commission"), _("EPC"), _("currency")],
        "cohorts": [_("joined in"), _("affiliates"), _("months since joining"), _("active affiliates"),
                    _("active %"), _("commission"), _("currency")],
    }
    with Reader(scope, filters, zone_name) as reader:
        rows = {"funnel": lambda: _funnel_rows(reader, period, options.compare),
                "trend": lambda: _trend_rows(reader, period),
                "top": lambda: _top_rows(reader, period, options),
                "cohorts": lambda: _cohort_rows(reader, period)}[table]()
        yield from csv_chunks(headers[table], rows)
