"""Every affiliate a reviewer works with, across all their campaigns, with their figures; and its CSV file."""
from flask import Response, request, stream_with_context
from flask_login import current_user

from app.blueprints.campaigns import bp
from app.blueprints.campaigns.affiliate_forms import AffiliateFilterForm
from app.blueprints.web import display_timezone, list_args, page_arg, read_filters, respond
from app.models.common import utcnow
from app.security import role_required
from app.services.campaigns import affiliate_figures
from app.services.campaigns.affiliate_figures import AffiliateListing
from app.services.campaigns.member_figures import DEFAULT_DAYS
from app.services.common.sorting import read_sort


def _listing() -> tuple[AffiliateFilterForm, AffiliateListing]:
    """The filters, sort and page from the query string (a bad value: its default, and an error beside a field)."""
    form = AffiliateFilterForm(request.args, role=current_user.role)
    filters = read_filters(form)
    sort = read_sort(request.args, affiliate_figures.SORTS, "recent")
    listing = AffiliateListing(q=filters["q"], status=filters["status"], days=filters["days"] or DEFAULT_DAYS,
                               sort=sort.key, descending=sort.descending, page=page_arg())
    return form, listing


@bp.get("/affiliates")
@role_required("merchant", "admin")
def affiliates():
    """The reviewer's affiliates (an admin's: all) with clicks, conversions and commission for a period."""
    form, listing = _listing()
    page, period = affiliate_figures.affiliates_page(current_user._get_current_object(), listing, display_timezone())
    return respond("campaigns/affiliates.html", "campaigns/_affiliates.html", filters=form, listing=listing,
                   page=page, period=period, list_args=list_args())


@bp.get("/affiliates/export.csv")
@role_required("merchant", "admin")
def affiliates_export():
    """The affiliates of the list's filters with their figures for its period, as a CSV file streamed as written."""
    _form, listing = _listing()
    rows = affiliate_figures.export_csv(current_user._get_current_object(), listing, display_timezone())
    name = f"affiliates-{listing.days}d-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(stream_with_context(rows), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
