"""The dashboard figures for a program: the caller's scope, one currency, a range of days."""
from datetime import date, timedelta

from app.services.analytics.funnel import funnel
from app.services.analytics.periods import Period
from app.services.analytics.reader import Reader
from app.services.analytics.scope import check_filters, scope_for
from app.services.common.errors import ServiceError

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


class InvalidStatsRequest(ServiceError):
    """The figures cannot be given for this request."""


def stats(user, *, currency: str | None, campaign_id: int | None, start: date | None, end: date | None,
          today: date, zone_name: str, default_currency: str) -> tuple[dict, str, Period]:
    """(figures by measure, the currency they are in, the period) for what `user` may see."""
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise InvalidStatsRequest("The range ends before it starts.", field="end")
    if (end - start).days >= MAX_DAYS:
        raise InvalidStatsRequest(f"Ask for at most {MAX_DAYS} days at a time.", field="start")
    scope = scope_for(user)
    values = {"currency": currency, "campaign": campaign_id}
    filters, _campaigns, errors = check_filters(scope, values, default_currency)
    if errors:
        field, message = next(iter(errors.items()))
        raise InvalidStatsRequest(str(message), field="campaign_id" if field == "campaign" else field)
    period = Period(start, end)
    with Reader(scope, filters, zone_name) as reader:
        figures = funnel(reader, period).figures
    return figures, filters.currency, period
