"""The analytics page of every role, its CSV exports and the affiliate search of its filter."""
from flask import Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from app.blueprints.analytics import bp
from app.blueprints.analytics.display import register_filters, trend_charts
from app.blueprints.analytics.helpers import read_page
from app.blueprints.web import respond
from app.models.common import utcnow
from app.security import role_required
from app.services.analytics import exports, pages
from app.services.analytics.scope import scope_for, suggest_affiliates

ROLES = ("admin", "merchant", "affiliate")
register_filters(bp)


@bp.get("/")
@role_required(*ROLES)
def index():
    """Funnel, trend, top performers and cohorts over a period, each chart also readable as a table."""
    page = read_page()
    overview = pages.overview(page.scope, page.filters, page.period, page.options, page.zone_name)
    charts = trend_charts(overview.trend, page.filters.currency, page.period.weekly, page.options.compare)
    return respond("analytics/index.html", "analytics/_results.html", page=page, overview=overview, charts=charts)


@bp.get("/cohorts")
@role_required("admin", "merchant")
def cohorts():
    """Affiliates grouped by the month they joined, month by month (loaded into the page when scrolled to)."""
    page = read_page()
    table = pages.cohorts(page.scope, page.filters, page.period, page.zone_name)
    return respond("analytics/cohorts.html", "analytics/_cohorts.html", page=page, cohorts=table)


@bp.get("/export/<table>.csv")
@role_required(*ROLES)
def export(table: str):
    """One table of the page as a CSV file (a ranking with every row), streamed as it is written."""
    if table not in exports.TABLES or (table == "cohorts" and current_user.role == "affiliate"):
        abort(404)
    page = read_page()
    chunks = exports.export(table, page.scope, page.filters, page.period, page.options, page.zone_name)
    name = f"{table}-{page.period.start:%Y%m%d}-{page.period.end:%Y%m%d}-{utcnow():%H%M%S}.csv"
    return Response(stream_with_context(chunks), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.get("/affiliates")
@role_required("admin", "merchant")
def affiliate_choices():
    """Affiliates matching what was typed in the filter, as the search field's suggestions."""
    affiliates = suggest_affiliates(scope_for(current_user), request.args.get("affiliate", ""))
    return render_template("analytics/_affiliate_choices.html", affiliates=affiliates)
