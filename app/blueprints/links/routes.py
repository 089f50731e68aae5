"""Affiliates' tracking links: the list with figures, making a link, archiving, QR codes."""
import io

import segno
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.links import bp
from app.blueprints.links.forms import LinkForm
from app.blueprints.web import display_timezone, id_arg, page_arg, respond, show_refusal, wants_partial
from app.models.tracking import Link
from app.security import get_owned_or_404, role_required
from app.services.campaigns import links
from app.services.campaigns.links import LinkError


@bp.get("/")
@role_required("affiliate")
def index():
    """The affiliate's tracking links with their clicks, conversions and earnings; archived ones on a tab."""
    archived = request.args.get("archived") == "1"
    sort = links.LINK_SORTS.read(request.args)
    pagination, rows = links.list_links(current_user.id, display_timezone(), archived=archived, page=page_arg(),
                                        sort=sort)
    counts = {} if wants_partial() else {"counts": links.link_counts(current_user.id)}
    return respond("links/index.html", "links/_list.html", rows=rows, pagination=pagination, archived=archived,
                   sort=sort, **counts)


@bp.route("/new", methods=["GET", "POST"])
@role_required("affiliate")
def create():
    """Make a tracking link to a campaign's landing page or to a page on its site."""
    form = LinkForm()
    campaigns = links.linkable_campaigns(current_user.id)
    form.set_campaigns(campaigns)
    if request.method == "GET":
        wanted = id_arg("campaign")
        if wanted:
            form.campaign.data = wanted
            try:
                links.check_can_link(current_user.id, wanted)
            except LinkError as exc:
                form.campaign.errors = [exc.message]
    if form.validate_on_submit():
        try:
            link = links.create_link(current_user.id, form.campaign.data, form.destination_url.data,
                                     form.label.data, form.sub_id.data)
        except LinkError as exc:
            show_refusal(form, exc)
        else:
            flash(_("Your link is ready. Copy it and share it."), "success")
            return redirect(url_for("links.index", _anchor=f"link-{link.id}"))
    return render_template("links/new.html", form=form, campaigns=campaigns)


def _after_change(link: Link, message: str):
    """htmx gets the row in its new state, the tab counts and the tab's empty state; a form post goes to the list."""
    if wants_partial():
        (row,) = links.link_rows([link], display_timezone())
        response = current_app.make_response(render_template(
            "links/_row_swap.html", row=row, counts=links.link_counts(current_user.id),
            archived=request.form.get("tab") == "archived"))
    else:
        flash(message, "success")
        # Back to the tab the link was on before the change.
        response = redirect(url_for("links.index", archived="1" if link.archived_at is None else None))
    response.vary.add("HX-Request")
    return response


@bp.post("/<int:link_id>/archive")
@role_required("affiliate")
def archive(link_id: int):
    """Move a link to the archive; it keeps working for visitors."""
    link = links.archive_link(get_owned_or_404(Link, link_id))
    return _after_change(link, _("Link archived. It keeps working for visitors."))


@bp.post("/<int:link_id>/copied")
@role_required("affiliate")
def copied(link_id: int):
    """Sent by a link's copy button: remember that the affiliate copied it (the checklist's last step)."""
    links.mark_copied(get_owned_or_404(Link, link_id))
    return "", 204


@bp.post("/<int:link_id>/restore")
@role_required("affiliate")
def restore(link_id: int):
    """Bring an archived link back to the active list."""
    link = links.restore_link(get_owned_or_404(Link, link_id))
    return _after_change(link, _("Link restored."))


@bp.get("/<int:link_id>/qr.svg")
@role_required("affiliate")
def qr(link_id: int):
    """The link's full URL as a QR code (SVG), for print and screens."""
    link = get_owned_or_404(Link, link_id)
    buffer = io.BytesIO()
    segno.make(links.tracking_url(link), error="m").save(
        buffer, kind="svg", scale=4, border=4, omitsize=True, title=_("QR code of a tracking link"))
    response = current_app.response_class(buffer.getvalue(), mimetype="image/svg+xml")
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, the image must not run anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.add_etag()
    return response.make_conditional(request)
