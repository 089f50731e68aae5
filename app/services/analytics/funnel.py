"""The funnel and the trend: clicks → unique clicks → conversions → approved → paid, over time.

Rates are per unique click (a visitor who clicks three times in an hour is one chance to sell);
EPC is the commission earned per unique click, and the average order value is the revenue of the
orders that stand divided by their number. Money stays in integer minor units; a derived amount is
rounded half up to a whole minor unit.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

from app.models.analytics import MEASURES
from app.money import round_half_up
from app.services.analytics.periods import Period
from app.services.analytics.reader import Reader

TREND_MEASURES = ("clicks", "unique_clicks", "conversions", "revenue", "commission")


def rate(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent, None when there is nothing to divide by."""
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP) if whole else None


def per(amount: int, count: int) -> int | None:
    return round_half_up(Decimal(amount) / Decimal(count)) if count else None


def change(now: int | Decimal | None, before: int | Decimal | None) -> Decimal | None:
    """The change from `before` to `now` in percent (None when `before` is zero or unknown)."""
    if now is None or not before:
        return None
    return ((Decimal(now) - Decimal(before)) * 100 / Decimal(before)).quantize(Decimal("0.1"), ROUND_HALF_UP)


class Rates:
    """Rates of anything that has `figures`: per unique click, as the whole page counts them."""

    figures: dict

    @property
    def conversion_rate(self) -> Decimal | None:
        return rate(self.figures["conversions"], self.figures["unique_clicks"])

    @property
    def epc(self) -> int | None:
        return per(self.figures["commission"], self.figures["unique_clicks"])

    def value(self, name: str):
        """A stored figure or a derived one, by name."""
        return self.figures[name] if name in self.figures else getattr(self, name)


@dataclass
class Funnel(Rates):
    currency: str
    figures: dict = field(default_factory=dict)
    robot_clicks: int = 0

    @property
    def standing(self) -> int:
        return self.figures["pending"] + self.figures["approved"]

    @property
    def approved_net(self) -> int:
        return self.figures["commission_approved"] - self.figures["commission_reversed"]

    @property
    def average_order(self) -> int | None:
        return per(self.figures["revenue"], self.standing)

    def share(self, name: str, whole: str) -> Decimal | None:
        """Figure `name` as a percentage of figure `whole` (a step of the funnel against the one before)."""
        return rate(self.figures[name], self.figures[whole])


def funnel(reader: Reader, period: Period, with_robots: bool = True) -> Funnel:
    grouped = reader.grouped((), period)
    figures = next(iter(grouped.values()), None) or {}
    result = Funnel(reader.filters.currency, {name: figures.get(name, 0) for name in MEASURES})
    if with_robots and reader.filters.sub_id is None:
        result.robot_clicks = reader.robot_clicks(period)
    return result


# What the comparison with the previous period shows a change for, with its name for people.
LABELS = {
    "clicks": _l("Clicks"), "unique_clicks": _l("Unique clicks"), "conversions": _l("Conversions"),
    "approved": _l("Approved conversions"), "paid": _l("Paid conversions"), "revenue": _l("Revenue"),
    "commission": _l("Commission earned"), "approved_net": _l("Commission approved"),
    "commission_paid": _l("Commission paid"), "conversion_rate": _l("Conversion rate"), "epc": _l("EPC"),
    "average_order": _l("Average order value"),
}
COMPARED = tuple(LABELS)


def changes(current: Funnel, previous: Funnel) -> dict[str, Decimal | None]:
    return {name: change(current.value(name), previous.value(name)) for name in COMPARED}


@dataclass
class TrendPoint:
    day: date
    figures: dict
    previous: dict | None = None


def trend(reader: Reader, period: Period, compare: bool = False) -> list[TrendPoint]:
    """One point per day (per week, Mondays, past 90 days), with the previous period's beside it."""
    points = {bucket: TrendPoint(bucket, dict.fromkeys(TREND_MEASURES, 0)) for bucket in period.buckets()}
    for (day,), figures in reader.grouped(("day",), period, TREND_MEASURES).items():
        point = points[period.bucket(day)]
        for name in TREND_MEASURES:
            point.figures[name] += figures[name]
    if compare:
        before = period.previous()
        shift = period.start - before.start
        for point in points.values():
            point.previous = dict.fromkeys(TREND_MEASURES, 0)
        for (day,), figures in reader.grouped(("day",), before, TREND_MEASURES).items():
            point = points.get(period.bucket(day + shift))
            if point is not None:
                for name in TREND_MEASURES:
                    point.previous[name] += figures[name]
    return [points[bucket] for bucket in sorted(points)]
