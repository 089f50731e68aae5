"""The email telling an endpoint's owner that it was disabled, in the owner's language."""
from flask_babel import gettext as _
from loguru import logger

from app.extensions import db
from app.models.webhooks import WebhookEndpoint
from app.services.common import mail
from app.services.common.mail import absolute_url, in_language_of


def endpoint_disabled(endpoint_id: int) -> None:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    owner = endpoint.owner
    with in_language_of(owner):
        subject = _("Your webhook endpoint was disabled")
        body = _("We stopped sending events to %(url)s because it failed %(count)d times in a row.\n\n"
                 "Events that happen meanwhile are kept. Once your server answers again, turn the endpoint "
                 "back on and resend what it missed:\n%(page)s",
                 url=endpoint.url, count=endpoint.failures_in_row,
                 page=absolute_url("webhooks.endpoint", endpoint_id=endpoint.id))
    try:
        mail.send_email(owner.email, subject, body)
    except Exception:  # the endpoint is already disabled; a mail queue hiccup must not undo that
        logger.exception("could not queue the webhook disabled email endpoint={}", endpoint_id)
