"""Campaigns: the merchant's list and pages, and the affiliates' directory."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.campaigns import bp
from app.blueprints.campaigns.forms import (
    AdminCampaignForm,
    CampaignFilterForm,
    CampaignForm,
    DirectoryFilterForm,
    StatusForm,
)
from app.blueprints.web import client_ip, display_timezone, page_arg, read_filters, respond, show_refusal
from app.models.campaigns import Campaign
from app.models.common import utcnow
from app.security import get_owned_or_404, role_required
from app.services.campaigns import campaigns, lists
from app.services.campaigns.campaigns import CampaignHasActivity, CampaignNotFound, IllegalStatusChange, InvalidCampaign

STATUS_DONE = {
    "paused": lambda: _("Campaign paused. Affiliates' links keep working; nobody new can join."),
    "active": lambda: _("Campaign resumed."),
    "ended": lambda: _("Campaign ended."),
}


def _form_page(form, campaign: Campaign | None, save, done: str):
    """The campaign form; once it validates and `save()` takes it, on to the saved campaign's page."""
    if form.validate_on_submit():
        try:
            saved = save()
        except InvalidCampaign as error:
            show_refusal(form, error)
        else:
            flash(done, "success")
            return redirect(url_for("campaigns.detail", campaign_id=saved.id))
    return render_template("campaigns/form.html", form=form, campaign=campaign)


@bp.get("/")
@role_required("merchant", "admin")
def index():
    """A merchant's campaigns (an admin's: everyone's) with their figures, searchable and filtered."""
    filters = CampaignFilterForm(request.args)
    values = read_filters(filters)
    sort = lists.CAMPAIGN_SORTS.read(request.args)
    page = lists.merchant_campaigns(current_user, display_timezone(), q=values["q"] or "",
                                    status=values["status"] or "", page=page_arg(), sort=sort)
    return respond("campaigns/index.html", "campaigns/_campaign_table.html", filters=filters, page=page, sort=sort)


@bp.route("/new", methods=["GET", "POST"])
@role_required("merchant", "admin")
def new():
    """Create a campaign with its commission terms."""
    is_admin = current_user.role == "admin"
    form = AdminCampaignForm() if is_admin else CampaignForm()
    if is_admin:
        form.merchant_id.choices = [("", _("Choose a merchant"))] + lists.merchant_choices()
    return _form_page(form, None, lambda: campaigns.create_campaign(
        form.merchant_id.data if is_admin else current_user.id, form.to_data(), actor_id=current_user.id,
        ip=client_ip()), _("Campaign created."))


@bp.get("/<int:campaign_id>")
@role_required("merchant", "admin")
def detail(campaign_id: int):
    """Everything about one campaign for its merchant: terms, status actions, postback token."""
    campaign = get_owned_or_404(Campaign, campaign_id)
    stats = lists.stats_for([campaign.id], display_timezone())[campaign.id]
    return render_template("campaigns/detail.html", campaign=campaign, stats=stats,
                           transitions=campaigns.TRANSITIONS, can_delete=campaigns.can_delete(campaign.id))


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@role_required("merchant", "admin")
def edit(campaign_id: int):
    """Change a campaign. Recorded conversions keep the commission they were given."""
    campaign = get_owned_or_404(Campaign, campaign_id)
    form = CampaignForm.for_campaign(campaign)
    return _form_page(form, campaign, lambda: campaigns.update_campaign(
        campaign.id, form.to_data(), actor_id=current_user.id, ip=client_ip()), _("Campaign saved."))


@bp.post("/<int:campaign_id>/status")
@role_required("merchant", "admin")
def change_status(campaign_id: int):
    """Pause, resume or end a campaign."""
    campaign = get_owned_or_404(Campaign, campaign_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        campaigns.set_status(campaign.id, form.status.data, actor_id=current_user.id, ip=client_ip())
    except IllegalStatusChange:
        flash(_("The campaign cannot change to that status from where it is now."), "error")
    except CampaignNotFound:
        abort(404)
    else:
        flash(STATUS_DONE[form.status.data](), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/delete")
@role_required("merchant", "admin")
def delete(campaign_id: int):
    """Delete a campaign nobody has clicked yet."""
    campaign = get_owned_or_404(Campaign, campaign_id)
    try:
        campaigns.delete_campaign(campaign.id, actor_id=current_user.id, ip=client_ip())
    except CampaignHasActivity:
        flash(_("This campaign already has clicks or conversions, so it cannot be deleted. "
                "End it instead: links stop earning and its history is kept."), "error")
        return redirect(url_for("campaigns.detail", campaign_id=campaign_id))
    except CampaignNotFound:
        abort(404)
    flash(_("Campaign deleted."), "success")
    return redirect(url_for("campaigns.index"))


@bp.get("/directory")
@role_required("affiliate")
def directory():
    """Campaigns an affiliate can join, searchable, filtered by commission type and sortable."""
    filters = DirectoryFilterForm(request.args)
    values = read_filters(filters)
    sort = lists.DIRECTORY_SORTS.read(request.args)
    page = lists.directory(current_user.id, utcnow().date(), q=values["q"] or "",
                           commission_type=values["commission_type"] or "", sort=sort, page=page_arg())
    return respond("campaigns/directory.html", "campaigns/_directory_table.html", filters=filters,
                   page=page, sort=sort)


@bp.get("/<int:campaign_id>/view")
@role_required("affiliate")
def view(campaign_id: int):
    """A campaign's terms as an affiliate sees them, with joining or leaving."""
    today = utcnow().date()
    try:
        campaign, membership = lists.for_affiliate(campaign_id, current_user.id, today)
    except CampaignNotFound:
        abort(404)
    return render_template("campaigns/view.html", campaign=campaign, membership=membership)
