"""What the views of every area read from a request and how they answer htmx.

One URL answers with the whole page or, for htmx, with the piece it swaps (DESIGN §5.5).
"""
import dataclasses
from collections.abc import Callable

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _

from app.ids import is_id
from app.services.common.keyset import NEWEST, Cursor, Order, cursor_args
from app.services.common.sorting import Sort, read_sort
from app.urls import local_path

# A page number from a URL is clamped, so an absurd one cannot overflow the OFFSET.
MAX_PAGE = 10**6
# Query arguments that say where in a list a page is, rather than which rows the list holds.
POSITION_ARGS = ("page", "older", "newer")
# At most this many row ids of a list in view come with a decision on one of its rows.
IN_VIEW_MAX = 500


def client_ip() -> str:
    """The client's address for the audit trail ("-" when the server does not know it)."""
    return request.remote_addr or "-"


def page_arg() -> int:
    """The `page` query argument, 1 when absent or not a number; the list clamps it to its last page."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def cursor_arg(order: Order = NEWEST) -> Cursor | None:
    """Where a keyset list read in `order` continues: its `older` or `newer` query argument (None: the top)."""
    return cursor_args(request.args.get("older"), request.args.get("newer"), order)


def keyset_sort(columns: dict[str, str], default: str = "created") -> tuple[Sort, Order, Cursor | None]:
    """A keyset list's sort from the query string (`columns`: sort key -> model column), its order and cursor."""
    sort = read_sort(request.args, columns, default)
    order = Order(columns[sort.key], sort.descending)
    return sort, order, cursor_arg(order)


def id_arg(name: str) -> int | None:
    """A row id from the query string; None when absent, not a number or beyond any id (see app.ids)."""
    value = request.args.get(name, type=int)
    return value if is_id(value) else None


def ids_in_view() -> list[int] | None:
    """The ids of the rows a list shows, sent along with a decision on one of them (form field `in_view`).

    With them the answer can say whether anything in view is still waiting for a decision, so the
    bulk actions above the list go away with the last such row. None when the list sent none.
    """
    text = request.form.get("in_view")
    if text is None:
        return None
    words = text.split()[:IN_VIEW_MAX]
    return [number for number in (int(word) for word in words if word.isdigit()) if is_id(number)]


def display_timezone() -> str:
    """The zone name ("Asia/Ho_Chi_Minh") that filter dates and the times in the tables are read in."""
    return str(get_timezone())


def wants_partial() -> bool:
    """An htmx request for a piece of the page (boosted navigation and history restores need it all)."""
    headers = request.headers
    return (headers.get("HX-Request") == "true" and not headers.get("HX-Boosted")
            and not headers.get("HX-History-Restore-Request"))


def respond(full: str, partial: str, trigger: str | None = None, **context):
    """One URL, two answers: the partial for htmx, the whole page otherwise; `trigger` names an htmx event."""
    response = make_response(render_template(partial if wants_partial() else full, **context))
    response.vary.add("HX-Request")
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response


def row_answer(template: str, back: str, message: str | None, category: str, trigger: str,
               reject_form=None, **row):
    """After a decision on one row of a list: htmx gets the row again with the message (and `trigger` on
    success); a plain form post gets a flash and goes back to the page it was on (else to endpoint `back`)."""
    if not wants_partial():
        if message:
            flash(message, category)
        elif reject_form is not None and reject_form.errors:
            flash(form_errors(reject_form), "error")
        return redirect(local_path(request.form.get("next")) or url_for(back))
    return respond(template, template, trigger=trigger if category == "success" else None, row_message=message,
                   row_category=category, reject_form=reject_form, **row)


@dataclasses.dataclass(frozen=True)
class RowDecisions:
    """Approving or rejecting (with a reason) one row of a review list: a conversion, a payout request.

    `answer(row_id, message, category, reject_form=None)` answers with the row (see row_answer); the
    domain refuses by raising `not_found` (404), `moved_on` (the row's status changed meanwhile: said
    with `not_changed(row_id)`) or `reason_required` (shown beside the reason as `reason_message`).
    """

    answer: Callable
    not_changed: Callable[[int], str]
    not_found: type[Exception]
    moved_on: type[Exception]
    reason_required: type[Exception]
    reason_message: object

    def approve(self, row_id: int, decide: Callable[[], object]):
        """`decide()` approves the row."""
        try:
            decide()
        except self.not_found:
            abort(404)
        except self.moved_on:
            return self.answer(row_id, self.not_changed(row_id), "error")
        return self.answer(row_id, _("Approved."), "success")

    def reject(self, row_id: int, form, decide: Callable[[str], object]):
        """`decide(reason)` rejects the row with the reason typed in `form`."""
        if not form.validate_on_submit():
            return self.answer(row_id, None, "error", reject_form=form)
        try:
            decide(form.reason.data)
        except self.not_found:
            abort(404)
        except self.reason_required:
            form.reason.errors = [str(self.reason_message)]
            return self.answer(row_id, None, "error", reject_form=form)
        except self.moved_on:
            return self.answer(row_id, self.not_changed(row_id), "error")
        return self.answer(row_id, _("Rejected."), "success")


def show_refusal(form, error) -> None:
    """A service's refusal beside the field it names, or above the form when it names none of the form's."""
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def read_filters(form, into=None, **form_names):
    """The filters of a list, read from `form` (bound to the query string).

    A field that is empty or does not validate counts as None; its error stays on the field, so the
    page shows it beside the field. Returns {field name: value}, or the dataclass `into` filled from
    the form's fields of the same names (or of the names in `form_names`: campaign_id="campaign").
    """
    form.validate()
    values = {name: None if field.errors or field.data == "" else field.data for name, field in form._fields.items()}
    if into is None:
        return values
    names = (f.name for f in dataclasses.fields(into))
    return into(**{name: values[form_names.get(name, name)] for name in names
                   if form_names.get(name, name) in values})


def filter_errors(form) -> list[str]:
    """"Label: error" for each filter that did not validate, for the note above the list."""
    return [f"{field.label.text}: {' '.join(map(str, field.errors))}" for field in form if field.errors]


def form_errors(form) -> str:
    """Every error of a posted form in one line, for a flash or a row message."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def list_args() -> dict:
    """The query string without empty values or the position in the list, for links that keep a list's filters."""
    return {key: value for key, value in request.args.items() if value and key not in POSITION_ARGS}
