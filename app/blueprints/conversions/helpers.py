"""Pieces the conversions views share: partial-or-page answers, filters, the client's address."""
from flask import make_response, render_template, request
from flask_babel import get_timezone

from app.services.conversion_queries import ConversionFilters


def client_ip() -> str:
    return request.remote_addr or "-"


def page_arg() -> int:
    return request.args.get("page", 1, type=int) or 1


def wants_partial() -> bool:
    """An htmx request for a piece of the page (boosted navigation and history restores need it all)."""
    headers = request.headers
    return (headers.get("HX-Request") == "true" and not headers.get("HX-Boosted")
            and not headers.get("HX-History-Restore-Request"))


def respond(full: str, partial: str, **context):
    """One URL, two answers: the partial for htmx, the whole page otherwise."""
    response = make_response(render_template(partial if wants_partial() else full, **context))
    response.vary.add("HX-Request")
    return response


def display_timezone() -> str:
    """The zone name ("Asia/Ho_Chi_Minh") that filter dates and the times in the tables are read in."""
    return str(get_timezone())


def read_filters(form) -> ConversionFilters:
    """The filters of `form` (bound to the query string); a field that does not validate is ignored.

    Its error stays on the field, so the page shows it beside the field.
    """
    form.validate()
    value = {name: (None if field.errors else field.data) for name, field in form._fields.items()}
    return ConversionFilters(
        status=value.get("status") or None, campaign_id=value.get("campaign"),
        affiliate_id=value.get("affiliate"), source=value.get("source") or None,
        date_from=value.get("date_from"), date_to=value.get("date_to"),
    )


def filter_errors(form) -> list[str]:
    return [f"{field.label.text}: {' '.join(map(str, field.errors))}" for field in form if field.errors]
