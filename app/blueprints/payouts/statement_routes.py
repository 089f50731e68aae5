"""The affiliate's statement: every ledger entry of theirs, filtered, sorted, a window at a time, and as CSV."""
from flask import Response, request, stream_with_context
from flask_login import current_user

from app.blueprints.payouts import bp
from app.blueprints.payouts.forms import StatementFilterForm
from app.blueprints.web import display_timezone, filter_errors, keyset_sort, list_args, read_filters, respond
from app.models.common import utcnow
from app.security import role_required
from app.services.ledger import statement, statement_csv
from app.services.ledger.statement import StatementFilters


def _filters() -> tuple[StatementFilterForm, StatementFilters, list[str]]:
    """The statement's filters from the query string (one that does not validate is ignored, its error shown)."""
    currencies = statement.currencies_of(current_user.id)
    form = StatementFilterForm(request.args, currencies=currencies)
    return form, read_filters(form, StatementFilters), currencies


@bp.get("/statement", endpoint="statement")
@role_required("affiliate")
def statement_page():
    """Every movement of the affiliate's money (commission, refunds, payouts), to check the balance against."""
    form, filters, currencies = _filters()
    sort, order, cursor = keyset_sort(statement.SORT_COLUMNS)
    page = statement.statement_page(current_user.id, filters, display_timezone(), currencies, cursor, order=order)
    return respond("payouts/statement.html", "payouts/_statement.html", filters=form, page=page, sort=sort,
                   due=statement.due_dates(page.items), filter_problems=filter_errors(form), list_args=list_args(),
                   timezone=display_timezone())


@bp.get("/statement/export.csv")
@role_required("affiliate")
def statement_export():
    """The statement's entries within its filters as a CSV file, streamed as it is written."""
    _form, filters, currencies = _filters()
    rows = statement_csv.statement_csv(current_user.id, filters, display_timezone(), currencies)
    name = f"statement-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(stream_with_context(rows), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
