"""Emails about Stripe payouts: the admins' run summaries and notices, the affiliate's reversals and bank refusals.

Each goes after its change is committed, in its reader's language; a mail queue hiccup is logged and
never undoes the payout work.
"""
from flask_babel import gettext as _
from flask_babel import ngettext
from loguru import logger
from sqlalchemy import select

from app.extensions import db
from app.models.money import PayoutRequest
from app.models.stripe_connect import StripeBankPayout, StripePayoutItem, StripePayoutRun
from app.models.users import User
from app.money import format_money
from app.services.accounts.notifications import PAYOUT_STATE, wants
from app.services.common.mail import absolute_url, in_language_of, send_email

FAILURES_LISTED = 50


def _admins(*, everyone: bool = False) -> list[User]:
    """The active admins; unless `everyone`, only those who still want payout emails."""
    admins = db.session.scalars(select(User).where(User.role == "admin", User.is_disabled.is_(False))
                                .order_by(User.id))
    return [admin for admin in admins if everyone or wants(admin, PAYOUT_STATE)]


def _send(user: User, subject: str, body: str) -> None:
    try:
        send_email(user.email, subject, body)
    except Exception:
        logger.exception("could not queue email to user {} subject={!r}", user.id, subject)


def _failures(run_id: int) -> list[tuple]:
    return list(db.session.execute(
        select(StripePayoutItem, PayoutRequest, User.name)
        .join(PayoutRequest, PayoutRequest.id == StripePayoutItem.payout_request_id)
        .join(User, User.id == PayoutRequest.affiliate_id)
        .where(StripePayoutItem.run_id == run_id, StripePayoutItem.outcome.in_(("failed", "retry_later")))
        .order_by(StripePayoutItem.id).limit(FAILURES_LISTED)))


def run_finished(run: StripePayoutRun, counts: dict[str, int]) -> None:
    """Tell the admins what a run could not do: refusals, requests left for later, and the manual queue."""
    failed, later, skipped = counts.get("failed", 0), counts.get("retry_later", 0), counts.get("skipped", 0)
    manual = run.manual_left if run.kind != "admin" else 0
    if not (failed or later or skipped or manual):
        return
    failures = _failures(run.id)
    for admin in _admins():
        with in_language_of(admin):
            subject = _("Stripe payouts: %(sent)d sent, %(failed)d failed", sent=counts.get("sent", 0),
                        failed=failed)
            lines = [_("Run %(run)d has finished.", run=run.id)]
            if failed:
                lines.append(ngettext("%(num)d payout was refused by Stripe; its amount is back in the affiliate's "
                                      "balance.", "%(num)d payouts were refused by Stripe; their amounts are back in "
                                      "the affiliates' balances.", failed))
            if later:
                lines.append(ngettext("%(num)d payout could not be sent now and will be tried again in the next run.",
                                      "%(num)d payouts could not be sent now and will be tried again in the next "
                                      "run.", later))
            if skipped:
                lines.append(ngettext("%(num)d payout was left waiting (see the run page for why).",
                                      "%(num)d payouts were left waiting (see the run page for why).", skipped))
            if manual:
                lines.append(ngettext("%(num)d approved payout is not paid through Stripe and waits in the manual "
                                      "queue.", "%(num)d approved payouts are not paid through Stripe and wait in "
                                      "the manual queue.", manual))
            for item, request, name in failures:
                lines.append(f"- #{request.id} {name} {format_money(request.amount, request.currency)}: "
                             f"{item.error_code} {item.error_message or ''}".rstrip())
            lines.append(_("Details: %(link)s", link=absolute_url("stripe_connect.run", run_id=run.id)))
        _send(admin, subject, "\n".join(lines))


def payout_reversed(request: PayoutRequest, returned: int) -> None:
    """Tell the affiliate and the admins that (part of) a paid payout came back from their Stripe account."""
    amount = format_money(returned, request.currency, "en")
    if wants(request.affiliate, PAYOUT_STATE):
        with in_language_of(request.affiliate):
            subject = _("%(amount)s of your payout was taken back", amount=format_money(returned, request.currency))
            body = _("The Stripe transfer of payout request %(id)d was reversed: %(amount)s is back in your "
                     "available balance.\n\nYour payouts: %(link)s", id=request.id,
                     amount=format_money(returned, request.currency), link=absolute_url("payouts.mine"))
        _send(request.affiliate, subject, body)
    for admin in _admins():
        with in_language_of(admin):
            subject = _("Stripe transfer reversed: payout request %(id)d", id=request.id)
            body = _("%(amount)s of payout request %(id)d (%(name)s) came back from Stripe and is in the affiliate's "
                     "balance again.\n\n%(link)s", amount=amount, id=request.id, name=request.affiliate.name,
                     link=absolute_url("payouts.admin_detail", request_id=request.id))
        _send(admin, subject, body)


def affiliate_paused(affiliate_id: int) -> None:
    affiliate = db.session.get(User, affiliate_id)
    for admin in _admins():
        with in_language_of(admin):
            subject = _("Automatic Stripe payouts paused for %(name)s", name=affiliate.name)
            body = _("Stripe refused three payouts in a row to %(name)s, so the daily run skips them until you "
                     "resume automatic payouts on their payout request page.\n\n%(link)s", name=affiliate.name,
                     link=absolute_url("stripe_connect.runs"))
        _send(admin, subject, body)


def bank_payout_failed(payout: StripeBankPayout) -> None:
    """The affiliate's bank refused the money Stripe sent from their Stripe balance."""
    affiliate = db.session.get(User, payout.user_id) if payout.user_id else None
    if affiliate is None or not wants(affiliate, PAYOUT_STATE):
        return
    with in_language_of(affiliate):
        subject = _("Your bank refused a payout of %(amount)s", amount=format_money(payout.amount, payout.currency))
        body = _("Stripe tried to send %(amount)s from your Stripe balance to your bank, and your bank refused it "
                 "(%(reason)s). The money stays in your Stripe balance: check your bank details in your Stripe "
                 "dashboard.\n\n%(link)s", amount=format_money(payout.amount, payout.currency),
                 reason=payout.failure_message or payout.failure_code or "-",
                 link=absolute_url("payouts.details") + "#stripe")
    _send(affiliate, subject, body)


def transfer_problem(request: PayoutRequest, transfer: dict, problem: str) -> None:
    """Stripe reports a transfer for a request that we could not record as its payment: someone must look
    (every admin is told, whatever their email choices)."""
    for admin in _admins(everyone=True):
        with in_language_of(admin):
            subject = _("Stripe transfer not recorded: payout request %(id)d", id=request.id)
            body = _("Stripe reports transfer %(transfer)s for payout request %(id)d, but it was not recorded as its "
                     "payment: %(problem)s. Compare Stripe with our books on the reconciliation page.\n\n%(link)s",
                     transfer=transfer.get("id") or "-", id=request.id, problem=problem,
                     link=absolute_url("stripe_connect.reconcile"))
        _send(admin, subject, body)
