"""Webhook endpoints of the signed-in person: register, change, test, and read what was delivered."""
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.forms import ConfirmForm
from app.blueprints.web import client_ip, id_arg, respond
from app.blueprints.webhooks import bp
from app.blueprints.webhooks.forms import EVENT_LABELS, EndpointForm
from app.models.webhooks import WebhookEndpoint
from app.security import get_owned_or_404, role_required
from app.services.webhooks import endpoints
from app.services.webhooks.endpoints import EventNotAllowed

ROLES = ("admin", "merchant", "affiliate")


def _no_store(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/webhooks", methods=["GET", "POST"])
@role_required(*ROLES)
def index():
    """The person's endpoints and the form to register one."""
    form = EndpointForm(role=current_user.role)
    if form.validate_on_submit():
        try:
            endpoint = endpoints.create(current_user.id, form.url.data, form.events.data, form.description.data,
                                        ip=client_ip())
        except EventNotAllowed:
            form.events.errors.append(_("Choose at least one event."))
        else:
            flash(_("Endpoint added. Copy its signing secret to your server, then send a test event."), "success")
            return redirect(url_for("webhooks.endpoint", endpoint_id=endpoint.id))
    sort = endpoints.ENDPOINT_SORTS.read(request.args)
    return _no_store(respond("webhooks/index.html", "webhooks/_endpoints.html", form=form, sort=sort,
                             endpoints=endpoints.for_owner(current_user, sort), event_labels=EVENT_LABELS))


@bp.route("/webhooks/<int:endpoint_id>", methods=["GET", "POST"])
@role_required(*ROLES)
def endpoint(endpoint_id: int):
    """One endpoint: its secret, its events, the form to change them and the log of deliveries."""
    found = get_owned_or_404(WebhookEndpoint, endpoint_id)
    form = EndpointForm(role=found.owner.role, obj=found if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            endpoints.update(found, form.url.data, form.events.data, form.description.data, current_user.id,
                             ip=client_ip())
        except EventNotAllowed:
            form.events.errors.append(_("Choose at least one event."))
        else:
            flash(_("Endpoint saved."), "success")
            return redirect(url_for("webhooks.endpoint", endpoint_id=found.id))
    before = id_arg("before")
    deliveries = endpoints.delivery_log(found.id, before)
    return _no_store(render_template(
        "webhooks/endpoint.html", endpoint=found, form=form, deliveries=deliveries, event_labels=EVENT_LABELS,
        action_form=ConfirmForm(formdata=None),
        older=deliveries[-1].id if len(deliveries) == endpoints.LOG_SIZE else None))


def _action(endpoint_id: int):
    found = get_owned_or_404(WebhookEndpoint, endpoint_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return found


def _back(found):
    return redirect(url_for("webhooks.endpoint", endpoint_id=found.id))


@bp.post("/webhooks/<int:endpoint_id>/enable")
@role_required(*ROLES)
def enable(endpoint_id: int):
    """Turn the endpoint back on; events kept meanwhile go out with the next sweep."""
    found = _action(endpoint_id)
    endpoints.set_active(found, True, current_user.id, ip=client_ip())
    flash(_("Endpoint turned on."), "success")
    return _back(found)


@bp.post("/webhooks/<int:endpoint_id>/disable")
@role_required(*ROLES)
def disable(endpoint_id: int):
    """Pause the endpoint; its events wait until it is turned on again."""
    found = _action(endpoint_id)
    endpoints.set_active(found, False, current_user.id, ip=client_ip())
    flash(_("Endpoint turned off. Events wait until you turn it on again."), "success")
    return _back(found)


@bp.post("/webhooks/<int:endpoint_id>/secret")
@role_required(*ROLES)
def roll_secret(endpoint_id: int):
    """A new signing secret; the old one stops signing at once."""
    found = _action(endpoint_id)
    endpoints.roll_secret(found, current_user.id, ip=client_ip())
    flash(_("New signing secret made. Put it on your server: deliveries are signed with it from now on."),
          "success")
    return _back(found)


@bp.post("/webhooks/<int:endpoint_id>/test")
@role_required(*ROLES)
def send_test(endpoint_id: int):
    """Send a webhook.test event now, to check the address and the signature check on the server."""
    found = _action(endpoint_id)
    endpoints.send_test(found, current_user.id)
    flash(_("Test event sent. Its result is at the top of the deliveries below."), "success")
    return _back(found)


@bp.post("/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/resend")
@role_required(*ROLES)
def resend(endpoint_id: int, delivery_id: int):
    """Send one delivery again, now."""
    found = _action(endpoint_id)
    if endpoints.resend(found, delivery_id, current_user.id) is None:
        abort(404)
    flash(_("Delivery sent again.") if found.is_active else
          _("Delivery queued; it goes out once the endpoint is turned on."), "success")
    return _back(found)


@bp.post("/webhooks/<int:endpoint_id>/delete")
@role_required(*ROLES)
def delete(endpoint_id: int):
    """Delete the endpoint and its delivery log."""
    found = _action(endpoint_id)
    endpoints.delete(found, current_user.id, ip=client_ip())
    flash(_("Endpoint deleted."), "success")
    return redirect(url_for("webhooks.index"))
