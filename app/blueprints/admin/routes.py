"""The audit log: browse, filter and export who did what."""
from flask import Response, request, stream_with_context

from app.blueprints.admin import bp
from app.blueprints.admin.forms import AuditFilterForm
from app.blueprints.admin.helpers import event_currency, object_name, object_url, short
from app.blueprints.web import display_timezone, filter_errors, keyset_sort, list_args, read_filters, respond
from app.models.common import utcnow
from app.security import role_required
from app.services.audit import currencies, queries
from app.services.audit.queries import AuditFilters


@bp.context_processor
def audit_helpers():
    return {"object_url": object_url, "object_name": object_name, "short": short,
            "changes": queries.changes, "event_currency": event_currency, "currencies_of": currencies.of_objects}


def _filters() -> tuple[AuditFilterForm, AuditFilters]:
    actions = queries.actions()
    form = AuditFilterForm(request.args, actions=actions, prefixes=queries.action_prefixes(actions),
                           object_types=queries.object_types())
    return form, read_filters(form, AuditFilters)


@bp.get("/audit")
@role_required("admin")
def audit_log():
    """Every recorded decision, newest first, filtered by actor, action, object and dates."""
    form, filters = _filters()
    tz = display_timezone()
    sort, order, cursor = keyset_sort(queries.SORT_COLUMNS)
    page = queries.search(filters, tz, cursor, order=order)
    return respond("admin/audit_log.html", "admin/_audit_table.html", filters=form, page=page, sort=sort,
                   filter_problems=filter_errors(form), list_args=list_args(), timezone=tz)


@bp.get("/audit/export")
@role_required("admin")
def audit_export():
    """The filtered audit log as a CSV file (secrets masked), streamed so a large log never sits in memory."""
    _form, filters = _filters()
    rows = queries.export_csv(filters, display_timezone())
    name = f"audit-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(stream_with_context(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
