"""Pieces the admin payout views share: partial-or-page answers, the queue's filters, the client's address."""
from flask import make_response, render_template, request
from flask_babel import get_timezone

from app.services.payout_queries import PayoutFilters


def client_ip() -> str:
    return request.remote_addr or "-"


def page_arg() -> int:
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), 10**6)


def display_timezone() -> str:
    return str(get_timezone())


def wants_partial() -> bool:
    """An htmx request for a piece of the page (boosted navigation and history restores need it all)."""
    headers = request.headers
    return (headers.get("HX-Request") == "true" and not headers.get("HX-Boosted")
            and not headers.get("HX-History-Restore-Request"))


def respond(full: str, partial: str, trigger: str | None = None, **context):
    """One URL, two answers: the partial for htmx, the whole page otherwise."""
    response = make_response(render_template(partial if wants_partial() else full, **context))
    response.vary.add("HX-Request")
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response


def read_filters(form) -> PayoutFilters:
    """The filters of `form` (bound to the query string); a field that does not validate is ignored.

    Its error stays on the field, so the page shows it beside the field.
    """
    form.validate()
    value = {name: (None if field.errors else field.data) for name, field in form._fields.items()}
    return PayoutFilters(status=value.get("status") or None, method=value.get("method") or None,
                         currency=value.get("currency") or None, date_from=value.get("date_from"),
                         date_to=value.get("date_to"))


def form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)
