"""The emails an affiliate gets when a payout request is approved, rejected, paid or fails.

Sent after the decision is committed, in the affiliate's language, unless they turned these emails off.
"""
from flask_babel import gettext as _
from loguru import logger

from app.formats import format_day
from app.labels import label
from app.models.money import PayoutRequest
from app.money import format_money
from app.services.accounts.notifications import PAYOUT_STATE, wants
from app.services.common import mail
from app.services.common.mail import absolute_url, in_language_of
from app.services.payouts.details import destination


def _message(request: PayoutRequest) -> tuple[str, str] | None:
    amount = format_money(request.amount, request.currency)
    if request.status == "approved":
        return (_("Your payout request of %(amount)s was approved", amount=amount),
                _("We will send %(amount)s to %(where)s soon and email you when it is paid.",
                  amount=amount, where=destination(request.details)))
    if request.status == "rejected":
        return (_("Your payout request of %(amount)s was not approved", amount=amount),
                _("Reason: %(reason)s\n\nThe amount is back in your available balance.",
                  reason=request.reject_reason or "-"))
    if request.status == "paid":
        return (_("Your payout of %(amount)s was sent", amount=amount),
                _("We sent %(amount)s to %(where)s on %(date)s by %(method)s.\nTransaction id: %(transaction)s",
                  amount=amount, where=destination(request.details), date=format_day(request.paid_on),
                  method=label(request.paid_method), transaction=request.transaction_id))
    if request.status == "failed":
        return (_("Your payout of %(amount)s could not be sent", amount=amount),
                _("Reason: %(reason)s\n\nThe amount is back in your available balance. Please check your payout "
                  "details, then request the payout again.", reason=request.failed_reason or "-"))
    return None


def decided(request: PayoutRequest) -> None:
    """Tell the affiliate what happened to their request (nothing for other statuses)."""
    affiliate = request.affiliate
    if not wants(affiliate, PAYOUT_STATE):
        return
    with in_language_of(affiliate):
        message = _message(request)
        if message is None:
            return
        subject, body = message
        body += "\n\n" + _("Your payouts: %(link)s", link=absolute_url("payouts.mine"))
    # The decision is already committed; a mail queue hiccup must not turn it into an error page.
    try:
        mail.send_email(affiliate.email, subject, body)
    except Exception:
        logger.exception("could not queue payout email id={} status={}", request.id, request.status)
