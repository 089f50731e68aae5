"""The conversion filters of the review and affiliate pages, read from the query string."""
from app.blueprints.web import read_form
from app.services.conversions.queries import ConversionFilters


def read_filters(form) -> ConversionFilters:
    """The filters of `form` (bound to the query string); a field that does not validate is ignored.

    Its error stays on the field, so the page shows it beside the field.
    """
    value = read_form(form)
    return ConversionFilters(
        status=value.get("status") or None, campaign_id=value.get("campaign"),
        affiliate_id=value.get("affiliate"), source=value.get("source") or None,
        date_from=value.get("date_from"), date_to=value.get("date_to"),
    )
