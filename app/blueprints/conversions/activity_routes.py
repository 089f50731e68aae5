"""An affiliate's own conversions and clicks, and the clicks on a merchant's campaigns."""
from flask import Response, request, stream_with_context
from flask_login import current_user

from app.blueprints.conversions import bp
from app.blueprints.conversions.forms import AffiliateFilterForm, ClickFilterForm
from app.blueprints.web import display_timezone, filter_errors, keyset_sort, list_args, read_filters, respond
from app.models.common import utcnow
from app.security import role_required
from app.services.conversions import click_exports, click_lists, queries
from app.services.conversions.flags import FLOOD_CLICKS
from app.services.conversions.queries import ConversionFilters


@bp.get("/mine")
@role_required("affiliate")
def mine():
    """The affiliate's own conversions: status, commission and, for a rejection, the merchant's reason."""
    form = AffiliateFilterForm(request.args, campaigns=queries.affiliate_campaigns(current_user.id))
    filters = read_filters(form, ConversionFilters, campaign_id="campaign")
    sort, order, cursor = keyset_sort(queries.SORT_COLUMNS)
    page = queries.affiliate_page(current_user.id, filters, display_timezone(), cursor, order=order)
    return respond("conversions/mine.html", "conversions/_mine_table.html", filters=form, page=page, sort=sort,
                   filter_problems=filter_errors(form), list_args=list_args(),
                   timezone=str(display_timezone()))


def _clicks_context(form, page, sort) -> dict:
    counts = click_lists.ip_click_counts(page.items, cap=click_lists.IP_COUNT_CAP)
    signals = {click.id: click_lists.click_signals(click, counts.get(click.id)) for click in page.items}
    return {"filters": form, "page": page, "sort": sort, "signals": signals, "ip_counts": counts,
            "filter_problems": filter_errors(form), "list_args": list_args(),
            "flood_clicks": FLOOD_CLICKS, "ip_count_cap": click_lists.IP_COUNT_CAP}


@bp.get("/clicks")
@role_required("affiliate")
def clicks():
    """The affiliate's own recent clicks, with whether each counted and any signs of bots or click floods."""
    form = ClickFilterForm(request.args, campaigns=queries.affiliate_campaigns(current_user.id))
    form.validate()
    campaign_id = None if form.campaign.errors else form.campaign.data
    sort, order, cursor = keyset_sort(click_lists.SORT_COLUMNS)
    page = click_lists.affiliate_clicks(current_user.id, cursor, campaign_id, order=order)
    return respond("conversions/clicks.html", "conversions/_clicks_table.html", reviewer=False,
                   **_clicks_context(form, page, sort))


@bp.get("/campaign-clicks")
@role_required("merchant", "admin")
def campaign_clicks():
    """Clicks on the reviewer's campaigns with the visitor's address, to spot many clicks from one IP."""
    user = current_user._get_current_object()
    form = ClickFilterForm(request.args, campaigns=queries.reviewer_campaigns(user))
    form.validate()
    campaign_id = None if form.campaign.errors else form.campaign.data
    sort, order, cursor = keyset_sort(click_lists.SORT_COLUMNS)
    page = click_lists.campaign_clicks(user, cursor, campaign_id, order=order)
    return respond("conversions/campaign_clicks.html", "conversions/_clicks_table.html", reviewer=True,
                   **_clicks_context(form, page, sort))


def _csv(rows, prefix: str):
    name = f"{prefix}-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(stream_with_context(rows), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _chosen_campaign(form) -> int | None:
    form.validate()
    return None if form.campaign.errors else form.campaign.data


@bp.get("/clicks/export.csv")
@role_required("affiliate")
def clicks_export():
    """The affiliate's own clicks (of the chosen campaign) as a CSV file, streamed as it is written."""
    form = ClickFilterForm(request.args, campaigns=queries.affiliate_campaigns(current_user.id))
    return _csv(click_exports.affiliate_csv(current_user.id, _chosen_campaign(form)), "clicks")


@bp.get("/campaign-clicks/export.csv")
@role_required("merchant", "admin")
def campaign_clicks_export():
    """Clicks on the reviewer's campaigns (of the chosen one) as a CSV file, with addresses, streamed."""
    user = current_user._get_current_object()
    form = ClickFilterForm(request.args, campaigns=queries.reviewer_campaigns(user))
    return _csv(click_exports.reviewer_csv(user, _chosen_campaign(form)), "campaign-clicks")
