"""The filters of the admin's payout queue, read from the query string."""
from app.blueprints.web import read_form
from app.services.payouts.queries import PayoutFilters


def read_filters(form) -> PayoutFilters:
    """The filters of `form` (bound to the query string); a field that does not validate is ignored.

    Its error stays on the field, so the page shows it beside the field.
    """
    value = read_form(form)
    return PayoutFilters(status=value.get("status") or None, method=value.get("method") or None,
                         currency=value.get("currency") or None, date_from=value.get("date_from"),
                         date_to=value.get("date_to"))
