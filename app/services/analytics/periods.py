"""Date ranges of the analytics pages: presets, custom ranges made safe, the period compared with.

Days are calendar days in the display time zone, both ends included.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

PRESETS = ("7d", "30d", "90d", "this_month", "last_month", "custom")
DEFAULT_PRESET = "30d"
# A year, leap day included: the longest range a page answers (compared with the year before it).
MAX_DAYS = 366
EARLIEST = date(2000, 1, 1)
# Past this many days a trend is drawn per week instead of per day.
DAILY_UP_TO = 90


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]

    @property
    def weekly(self) -> bool:
        return self.days > DAILY_UP_TO

    def bucket(self, day: date) -> date:
        """The day a trend point of `day` is drawn at: the day, or the Monday of its week."""
        return day - timedelta(days=day.weekday()) if self.weekly else day

    def buckets(self) -> list[date]:
        return sorted({self.bucket(day) for day in self.each_day()})


def preset_period(preset: str, today: date) -> Period:
    if preset == "7d":
        return Period(today - timedelta(days=6), today)
    if preset == "90d":
        return Period(today - timedelta(days=89), today)
    if preset == "this_month":
        return Period(today.replace(day=1), today)
    if preset == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end)
    return Period(today - timedelta(days=29), today)


def custom_period(start: date | None, end: date | None, today: date) -> tuple[Period, list[str]]:
    """A range someone typed, made answerable; the notes say what was changed and why."""
    notes = []
    end = end or today
    start = start or end - timedelta(days=29)
    if end > today:
        end = today
        notes.append(_l("The range ended in the future; it now ends today."))
    start = min(start, today)
    if start > end:
        start, end = end, start
        notes.append(_l("The start came after the end; the two dates were swapped."))
    if start < EARLIEST:
        start = EARLIEST
    if (end - start).days + 1 > MAX_DAYS:
        start = end - timedelta(days=MAX_DAYS - 1)
        notes.append(_l("Ranges are limited to %(days)d days; showing the %(days)d days up to the end date.",
                        days=MAX_DAYS))
    return Period(start, end), [str(note) for note in notes]
