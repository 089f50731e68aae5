"""How the analytics figures read on the page: percentages, changes, and the charts' labels.

Numbers, money and dates are formatted for the reader's language (Babel), in charts too.
"""
from decimal import Decimal

from babel.dates import format_skeleton
from babel.numbers import format_compact_currency, format_compact_decimal, format_decimal, format_percent
from flask_babel import get_locale
from flask_babel import gettext as _

from app.blueprints.analytics.charts import LineChart, heat, line_chart, sparkline
from app.money import format_money, from_minor

MONEY_MEASURES = ("revenue", "commission")


def _locale():
    # Babel's Locale itself: given its name instead, Babel would parse it again for every figure.
    return get_locale() or "en"


def number(value: int | None) -> str:
    return "—" if value is None else format_decimal(value, locale=_locale())


def percent(value: Decimal | None) -> str:
    """12.5 → "12,5%" (vi) / "12.5%" (en); "—" when there is nothing to divide by."""
    if value is None:
        return "—"
    return format_percent(Decimal(value) / 100, format="#,##0.0%", locale=_locale())


def change(value: Decimal | None) -> str:
    """A change against the previous period: "+12,5%", "-3,0%", or "—"."""
    if value is None:
        return "—"
    return format_percent(Decimal(value) / 100, format="+#,##0.0%;-#,##0.0%", locale=_locale())


def money_or_dash(amount: int | None, currency: str) -> str:
    return "—" if amount is None else format_money(amount, currency)


def month(day) -> str:
    """"thg 3 2026" / "Mar 2026"."""
    return format_skeleton("yMMM", day, locale=_locale())


def short_day(day) -> str:
    return format_skeleton("Md", day, locale=_locale())


def _compact(value: int, currency: str | None) -> str:
    if currency:
        return format_compact_currency(from_minor(value, currency), currency, locale=_locale(), fraction_digits=1)
    return format_compact_decimal(value, locale=_locale(), fraction_digits=1)


def measure_title(name: str) -> str:
    return {"clicks": _("Clicks"), "unique_clicks": _("Unique clicks"), "conversions": _("Conversions"),
            "revenue": _("Revenue"), "commission": _("Commission")}[name]


def trend_charts(points, currency: str, weekly: bool, compare: bool) -> list[LineChart]:
    """One chart per figure of the trend, with the previous period dashed behind when compared."""
    labels = [short_day(point.day) for point in points]
    locale = _locale()
    charts = []
    for name in ("clicks", "conversions", "revenue", "commission"):
        values = [point.figures[name] for point in points]
        money = currency if name in MONEY_MEASURES else None

        def full(value, money=money):
            return format_money(value, money, locale) if money else format_decimal(value, locale=locale)

        title = measure_title(name)
        every = _("per week") if weekly else _("per day")
        summary = _("%(figure)s %(every)s from %(first)s to %(last)s: %(total)s in all, at most %(highest)s.",
                    figure=title, every=every, first=labels[0] if labels else "", last=labels[-1] if labels else "",
                    total=full(sum(values)), highest=full(max(values, default=0)))
        charts.append(line_chart(
            values, labels, title=title, summary=summary, label=lambda v, money=money: _compact(v, money),
            point_text=lambda i, v, full=full: f"{labels[i]}: {full(v)}",
            previous=[point.previous[name] for point in points] if compare else None))
    return charts


def register_filters(app_or_blueprint) -> None:
    """The Jinja filters the analytics pages, dashboards and report previews use."""
    for name, function in (("analytics_number", number), ("analytics_percent", percent),
                           ("analytics_change", change), ("analytics_money", money_or_dash),
                           ("analytics_month", month), ("analytics_heat", heat), ("analytics_sparkline", sparkline)):
        app_or_blueprint.add_app_template_filter(function, name)


def recent_charts(recent) -> list[LineChart]:
    """The dashboards' small charts: clicks and conversions per day over the last days."""
    labels = [short_day(day) for day, _clicks, _conversions in recent.trend]
    charts = []
    for index, name in ((1, "clicks"), (2, "conversions")):
        values = [point[index] for point in recent.trend]
        title = measure_title(name)
        summary = _("%(figure)s per day over the last %(days)d days: %(total)s in all, at most %(highest)s.",
                    figure=title, days=recent.days, total=number(sum(values)), highest=number(max(values, default=0)))
        charts.append(line_chart(values, labels, title=title, summary=summary,
                                 label=lambda v: _compact(v, None),
                                 point_text=lambda i, v: f"{labels[i]}: {number(v)}", x_label_count=4))
    return charts
