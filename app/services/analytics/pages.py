"""Everything one analytics page shows, computed in one reading of the figures."""
from dataclasses import dataclass, field
from datetime import date

from app.services.analytics import cohorts as cohort_figures
from app.services.analytics.funnel import Funnel, TrendPoint, changes, funnel, trend
from app.services.analytics.periods import Period
from app.services.analytics.rankings import DEFAULT_METRIC, Ranked, dimension_for, dimensions_for, ranking
from app.services.analytics.reader import Reader, month_start
from app.services.analytics.scope import Filters, Scope


@dataclass(frozen=True)
class Options:
    compare: bool = False
    dimension: str = "affiliate"
    metric: str = DEFAULT_METRIC
    descending: bool = True
    rows: int = 10


@dataclass
class Overview:
    period: Period
    options: Options
    funnel: Funnel
    trend: list[TrendPoint]
    ranking: list[Ranked]
    dimensions: list[str]
    previous: Funnel | None = None
    changes: dict = field(default_factory=dict)


def overview(scope: Scope, filters: Filters, period: Period, options: Options, zone_name: str, *,
             from_raw: bool | None = None) -> Overview:
    dimension = dimension_for(scope.role, options.dimension)
    with Reader(scope, filters, zone_name, from_raw=from_raw) as reader:
        current = funnel(reader, period)
        result = Overview(period, options, current, trend(reader, period, options.compare),
                          ranking(reader, period, dimension, options.metric, options.descending, options.rows,
                                  sparkline_metric=options.metric), dimensions_for(scope.role))
        if options.compare:
            result.previous = funnel(reader, period.previous())
            result.changes = changes(current, result.previous)
    return result


def cohorts(scope: Scope, filters: Filters, period: Period, zone_name: str) -> list:
    """The affiliate cohorts up to the month the period ends in (admins and merchants)."""
    with Reader(scope, filters, zone_name) as reader:
        return cohort_figures.cohorts(reader, month_start(period.end))


def dashboard(scope: Scope, filters: Filters, zone_name: str, today: date, days: int = 30) -> tuple[Funnel, list]:
    """The last `days` days for a dashboard: the funnel and the daily trend."""
    period = Period(date.fromordinal(today.toordinal() - days + 1), today)
    with Reader(scope, filters, zone_name) as reader:
        return funnel(reader, period, with_robots=False), trend(reader, period)
