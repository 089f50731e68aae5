"""What an analytics request asks for: who is asking, the filters, the period, the ranking wanted."""
from dataclasses import dataclass, field

from flask import current_app, request
from flask_login import current_user

from app.blueprints.analytics.forms import AnalyticsFilterForm
from app.blueprints.web import display_timezone
from app.models.common import utcnow
from app.services.analytics import sql
from app.services.analytics.pages import Options
from app.services.analytics.periods import DEFAULT_PRESET, PRESETS, Period, custom_period, preset_period
from app.services.analytics.rankings import DEFAULT_METRIC, DIMENSIONS, METRICS, PAGE_SIZES
from app.services.analytics.scope import Filters, Scope, check_filters, currencies, scope_for

# Query arguments of the ranking and the options that are not filters.
OPTION_ARGS = ("top", "sort", "order", "rows")


@dataclass
class PageRequest:
    form: AnalyticsFilterForm
    scope: Scope
    filters: Filters
    period: Period
    options: Options
    zone_name: str
    notes: list[str] = field(default_factory=list)

    def args(self, **changes) -> dict:
        """This page's query string with `changes` (None removes a key), for links that keep the filters."""
        args = {key: value for key, value in request.args.items() if value}
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = value
        return args


def today(zone_name: str):
    return sql.local_day_of(utcnow(), zone_name)


def _period(form: AnalyticsFilterForm, zone_name: str) -> tuple[Period, list[str]]:
    preset = form.range.data if form.range.data in PRESETS else DEFAULT_PRESET
    typed = form.date_from.data or form.date_to.data
    if preset == "custom" or (typed and "range" not in request.args):
        # A reversed range keeps its error beside the field and is read the right way round.
        return custom_period(form.date_from.data, form.date_to.data, today(zone_name))
    return preset_period(preset, today(zone_name)), []


def _options() -> Options:
    args = request.args
    rows = args.get("rows", type=int)
    return Options(
        compare=form_flag("compare"),
        dimension=args.get("top") if args.get("top") in DIMENSIONS else "affiliate",
        metric=args.get("sort") if args.get("sort") in METRICS else DEFAULT_METRIC,
        descending=args.get("order") != "asc",
        rows=rows if rows in PAGE_SIZES else PAGE_SIZES[0])


def form_flag(name: str) -> bool:
    return request.args.get(name) in ("y", "on", "1", "true")


def read_page() -> PageRequest:
    """The reader's scope and everything the query string asks, made safe (refusals noted on the fields)."""
    user = current_user._get_current_object()
    scope = scope_for(user)
    zone_name = str(display_timezone())
    values = {name: request.args.get(name) for name in ("affiliate", "link", "sub_id", "currency")}
    form = AnalyticsFilterForm(request.args)
    form.validate()
    values["campaign"] = None if form.campaign.errors else form.campaign.data
    filters, campaigns, refused = check_filters(scope, values, current_app.config["DEFAULT_CURRENCY"])
    form.campaign.choices = [("", form.campaign.choices[0][1])] + [(c.id, c.name) for c in campaigns]
    form.currency.choices = [(code, code) for code in currencies(campaigns, current_app.config["DEFAULT_CURRENCY"])]
    form.currency.data = filters.currency
    for name, message in refused.items():
        form[name].errors = [*form[name].errors, str(message)]
    period, notes = _period(form, zone_name)
    return PageRequest(form, scope, filters, period, _options(), zone_name, notes)
