"""Joining campaigns and reviewing applications."""
from urllib.parse import urlsplit

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.blueprints.campaigns import bp
from app.blueprints.campaigns.membership_forms import BulkDecisionForm, DecisionForm, RemoveForm
from app.blueprints.web import (
    client_ip,
    display_timezone,
    form_errors,
    id_arg,
    ids_in_view,
    list_args,
    page_arg,
    respond,
    wants_partial,
)
from app.extensions import db
from app.models.campaigns import MEMBERSHIP_STATUSES, Campaign, Membership
from app.models.common import utcnow
from app.security import get_owned_or_404, role_required
from app.services.campaigns import errors, landing_link, member_figures, membership_queries, memberships
from app.services.campaigns.errors import MembershipError, MembershipNotFound, NotAnAffiliate
from app.services.campaigns.links import tracking_url
from app.services.common.sorting import read_sort

CHANGED = "applicationsChanged"


def _back_to(campaign_id: int) -> str:
    """Where the button was pressed (a page of this site), else the campaign's page."""
    parts = urlsplit(request.referrer or "")
    path = parts.path
    if parts.netloc == request.host and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path + (f"?{parts.query}" if parts.query else "")
    return url_for("campaigns.view", campaign_id=campaign_id)


@bp.app_template_global("membership_join_state")
def membership_join_state(campaign, membership):
    return memberships.join_state(campaign, membership)


@bp.app_template_global("plain_link_of")
def plain_link_of(campaign, membership):
    """The approved affiliate's plain link to the campaign and its public URL, or None."""
    if membership is None or membership.status != "approved":
        return None
    link = landing_link.plain_link(campaign.id, membership.affiliate_id)
    return (link, tracking_url(link)) if link else None


@bp.app_template_global("membership_refusal")
def membership_refusal(reason):
    return errors.refusal_message(reason)


def _actions_result(campaign_id: int, message: str, category: str):
    """After join/leave: the actions partial for htmx, else a flash and back to the campaign."""
    if not wants_partial():
        flash(message, category)
        return redirect(_back_to(campaign_id))
    campaign = db.get_or_404(Campaign, campaign_id)
    # 200 even when refused: htmx only swaps successful responses, and the message is in the partial.
    return respond("campaigns/_membership_actions.html", "campaigns/_membership_actions.html",
                   trigger="membershipChanged", campaign=campaign,
                   membership=membership_queries.membership_of(campaign_id, current_user.id),
                   membership_message=message, membership_message_category=category)


@bp.post("/<int:campaign_id>/join")
@role_required("affiliate")
def join(campaign_id: int):
    """Join a campaign at once, or apply when the merchant reviews affiliates."""
    try:
        membership = memberships.join(campaign_id, current_user.id, ip=client_ip())
    except (MembershipNotFound, NotAnAffiliate):
        abort(404)
    except MembershipError as exc:
        return _actions_result(campaign_id, exc.message, "error")
    if membership.status == "approved":
        message = _("You joined %(campaign)s. You can now make tracking links.", campaign=membership.campaign.name)
    else:
        message = _("Your application to %(campaign)s was sent. We will email you the merchant's decision.",
                    campaign=membership.campaign.name)
    return _actions_result(campaign_id, message, "success")


@bp.post("/<int:campaign_id>/leave")
@role_required("affiliate")
def leave(campaign_id: int):
    """Leave a campaign or withdraw an application; links keep redirecting but stop earning."""
    try:
        membership = memberships.leave(campaign_id, current_user.id, ip=client_ip())
    except MembershipNotFound:
        abort(404)
    except MembershipError as exc:
        return _actions_result(campaign_id, exc.message, "error")
    return _actions_result(campaign_id, _("You left %(campaign)s.", campaign=membership.campaign.name), "success")


def _campaign_filter() -> int | None:
    return id_arg("campaign")


def _applications_sort():
    return membership_queries.APPLICATION_SORTS.read(request.args)


def _applications_context(campaign_id: int | None, **extra) -> dict:
    user = current_user._get_current_object()
    sort = _applications_sort()
    items = membership_queries.pending_for(user, campaign_id, sort)
    asked = request.args.get("sort") or request.args.get("order")
    return {"items": items, "campaign_id": campaign_id, "sort": sort,
            "list_args": {"campaign": campaign_id, **({"sort": sort.key, "order": sort.order} if asked else {})},
            "campaigns": membership_queries.pending_by_campaign(user),
            "joined_counts": membership_queries.approved_counts(m.affiliate_id for m in items),
            "pending_total": membership_queries.pending_count(user), **extra}


@bp.get("/applications")
@role_required("merchant", "admin")
def applications():
    """Pending applications to the reviewer's campaigns, to approve or reject one by one or in bulk."""
    campaign_id = _campaign_filter()
    return respond("campaigns/applications.html", "campaigns/_applications.html",
                   **_applications_context(campaign_id))


@bp.get("/applications/count")
@role_required("merchant", "admin")
def applications_count():
    """The pending-applications badge, refreshed after every decision."""
    return render_template("campaigns/_applications_count.html",
                           pending_total=membership_queries.pending_count(current_user._get_current_object()))


@bp.post("/applications/<int:membership_id>/decide")
@role_required("merchant", "admin")
def decide_application(membership_id: int):
    """Approve or reject one application, with an optional note to the affiliate."""
    form = DecisionForm()
    category, message = "success", None
    if not form.validate_on_submit():
        category, message = "error", form_errors(form)
    else:
        approve = form.decision.data == "approve"
        try:
            memberships.decide(membership_id, approve, current_user.id, note=form.note.data, ip=client_ip())
        except MembershipNotFound:
            abort(404)
        except MembershipError as exc:
            category, message = "error", exc.message
    membership = db.session.get(Membership, membership_id)
    if membership is None or not membership_queries.may_review(current_user, membership.campaign):
        abort(404)
    if message is None:
        message = _("Approved.") if membership.status == "approved" else _("Rejected.")
    if not wants_partial():
        flash(message, category)
        return redirect(url_for("campaigns.applications"))
    # The filter's pending counts changed too; it keeps the campaign chosen in it (sent along by hx-include),
    # and the bulk actions stay only while an application in view still waits.
    chosen = request.form.get("campaign", type=int)
    user = current_user._get_current_object()
    in_view = ids_in_view()
    return respond("campaigns/_applications_row.html", "campaigns/_applications_row.html", trigger=CHANGED,
                   membership=membership, decided=True, row_message=message, row_category=category,
                   joined_counts=membership_queries.approved_counts([membership.affiliate_id]),
                   campaigns=membership_queries.pending_by_campaign(user), campaign_id=chosen,
                   bulk_closes=in_view is not None and not membership_queries.any_pending(user, in_view))


@bp.post("/applications/bulk")
@role_required("merchant", "admin")
def applications_bulk():
    """Approve or reject every ticked application at once; others' applications are never touched."""
    form = BulkDecisionForm()
    campaign_id = _campaign_filter()
    category = "error"
    if not form.validate_on_submit():
        message = _("Choose whether to approve or reject.")
    elif not form.ids.data:
        message = _("Select at least one application.")
    else:
        approve = form.decision.data == "approve"
        changed = memberships.decide_many(form.ids.data, approve, current_user._get_current_object(),
                                          note=form.note.data, ip=client_ip())
        if approve:
            message = ngettext("%(num)d application approved.", "%(num)d applications approved.", changed)
        else:
            message = ngettext("%(num)d application rejected.", "%(num)d applications rejected.", changed)
        skipped = len(form.ids.data) - changed
        if skipped:
            message += " " + ngettext(
                "%(num)d could not be changed (already decided, or the campaign is full).",
                "%(num)d could not be changed (already decided, or the campaign is full).", skipped)
        category = "success" if changed else "warning"
    if not wants_partial():
        flash(message, category)
        sort = _applications_sort()
        return redirect(url_for("campaigns.applications", campaign=campaign_id, sort=sort.key, order=sort.order))
    return respond("campaigns/_applications.html", "campaigns/_applications.html", trigger=CHANGED,
                   **_applications_context(campaign_id, message=message, message_category=category))


def _listing(status: str) -> member_figures.MemberListing:
    """How the members list is asked for: its period, sort and page, from the query string (bad values: defaults)."""
    days = request.args.get("days", member_figures.DEFAULT_DAYS, type=int)
    sort = read_sort(request.args, member_figures.SORTS, "recent")
    return member_figures.MemberListing(
        status=status, days=days if days in member_figures.PERIODS else member_figures.DEFAULT_DAYS,
        sort=sort.key, descending=sort.descending, page=page_arg())


def _members_context(campaign: Campaign, status: str) -> dict:
    listing = _listing(status)
    page, period = member_figures.members_page(campaign.id, listing, display_timezone())
    return {"campaign": campaign, "status": status, "statuses": MEMBERSHIP_STATUSES, "page": page,
            "period": period, "listing": listing, "periods": member_figures.PERIODS,
            "list_args": {**list_args(), "campaign_id": campaign.id},
            "counts": membership_queries.status_counts(campaign.id)}


@bp.get("/<int:campaign_id>/affiliates")
@role_required("merchant", "admin")
def members(campaign_id: int):
    """A campaign's affiliates by status (approved, pending, rejected, removed); remove one from here."""
    campaign = get_owned_or_404(Campaign, campaign_id)
    status = request.args.get("status", "approved")
    if status not in MEMBERSHIP_STATUSES:
        status = "approved"
    return respond("campaigns/members.html", "campaigns/_members.html", **_members_context(campaign, status))


@bp.get("/<int:campaign_id>/affiliates/export.csv")
@role_required("merchant", "admin")
def members_export(campaign_id: int):
    """The campaign's members of one status with their figures for the chosen period, as a CSV file."""
    campaign = get_owned_or_404(Campaign, campaign_id)
    status = request.args.get("status", "approved")
    listing = _listing(status if status in MEMBERSHIP_STATUSES else "approved")
    rows = member_figures.export_csv(campaign.id, listing, display_timezone())
    name = f"affiliates-{campaign.id}-{listing.status}-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(stream_with_context(rows), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.post("/<int:campaign_id>/affiliates/<int:membership_id>/remove")
@role_required("merchant", "admin")
def remove_member(campaign_id: int, membership_id: int):
    """Remove an approved affiliate from the campaign, with an optional reason sent to them."""
    campaign = get_owned_or_404(Campaign, campaign_id)
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.campaign_id != campaign.id:
        abort(404)
    form = RemoveForm()
    category = "success"
    if not form.validate_on_submit():
        category, message = "error", form_errors(form)
    else:
        try:
            memberships.remove(membership_id, current_user.id, note=form.note.data, ip=client_ip())
            message = _("%(name)s was removed.", name=membership.affiliate.name)
        except MembershipNotFound:
            abort(404)
        except MembershipError as exc:
            category, message = "error", exc.message
    if not wants_partial():
        flash(message, category)
        return redirect(url_for("campaigns.members", campaign_id=campaign.id))
    membership = db.session.get(Membership, membership_id)
    listing = _listing("approved")
    return respond("campaigns/_members_row.html", "campaigns/_members_row.html", trigger="membersChanged",
                   row=member_figures.member_row(membership, listing.days, display_timezone()),
                   membership=membership, row_message=message, row_category=category, with_tabs_oob=True,
                   counts=membership_queries.status_counts(campaign.id), campaign=campaign, status="approved",
                   statuses=MEMBERSHIP_STATUSES)
