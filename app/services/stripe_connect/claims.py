"""Which payout requests a run takes, and taking them: approved → processing under the row lock.

A request is claimed by exactly one run: the claim locks the request row, checks it still waits, moves it
to processing and records the run's item in the same transaction. A processing request whose run has
died (its heartbeat is older than STRIPE_RUN_STALE_SECONDS, or it finished without settling the request)
is abandoned: the next run takes it over, and looks its transfer up before making one.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from app.extensions import db
from app.models.common import utcnow
from app.models.money import PayoutRequest
from app.models.stripe_connect import StripeAccount, StripePayoutItem, StripePayoutRun
from app.services.payouts import states
from app.services.stripe_connect.accounts import transferable
from app.services.stripe_connect.transfers import Payable

BATCH = 200


@dataclass(frozen=True)
class Claimed:
    """A request a run has taken, with what paying it needs (read in the claim, so paying reads nothing)."""

    item_id: int
    run_id: int
    payable: Payable
    look_first: bool  # the request may have been tried before: look for its transfer first
    refuse: str | None = None  # a reason to fail it without asking Stripe
    after_refusals: bool = True  # the affiliate's account counts refusals (a success resets them)

    @property
    def request_id(self) -> int:
        return self.payable.id

    @property
    def affiliate_id(self) -> int:
        return self.payable.affiliate_id


def stale_before():
    return utcnow() - timedelta(seconds=int(current_app.config["STRIPE_RUN_STALE_SECONDS"]))


def _dead_run():
    """The condition on a request's latest run that makes its processing request abandoned."""
    stale = stale_before()
    return or_(StripePayoutRun.id.is_(None), StripePayoutRun.status == "finished",
               and_(StripePayoutRun.status == "running", StripePayoutRun.heartbeat_at < stale),
               and_(StripePayoutRun.status == "queued", StripePayoutRun.created_at < stale))


def abandoned_ids(within=None, limit: int | None = None) -> list[int]:
    """Processing Stripe requests whose run died: each request's latest item names its run."""
    latest = (select(func.max(StripePayoutItem.id)).where(StripePayoutItem.payout_request_id == PayoutRequest.id)
              .correlate(PayoutRequest).scalar_subquery())
    query = (select(PayoutRequest.id)
             .outerjoin(StripePayoutItem, StripePayoutItem.id == latest)
             .outerjoin(StripePayoutRun, StripePayoutRun.id == StripePayoutItem.run_id)
             .where(PayoutRequest.status == "processing", PayoutRequest.method == "stripe", _dead_run())
             .order_by(PayoutRequest.id))
    if within is not None:
        query = query.where(PayoutRequest.id.in_(list(within)))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def candidates(run: StripePayoutRun) -> list[int]:
    """The requests a run looks at, in id order."""
    if run.kind == "admin":
        return list(db.session.scalars(select(StripePayoutItem.payout_request_id).where(
            StripePayoutItem.run_id == run.id, StripePayoutItem.outcome == "queued")
            .order_by(StripePayoutItem.payout_request_id)))
    found = set(abandoned_ids())
    if run.kind == "schedule":
        found.update(db.session.scalars(select(PayoutRequest.id).where(
            PayoutRequest.status == "approved", PayoutRequest.method == "stripe")))
    return sorted(found)


def claim(run: StripePayoutRun, ids: list[int], balance: dict[str, int] | None) -> list[Claimed]:
    """Take the requests among `ids` that still wait (one transaction, locked in id order); commits.

    `balance` (the platform's available Stripe balance per currency, in our minor units, or None when
    unknown) is spent as requests are taken, so a run never takes more than the platform can pay.
    """
    try:
        requests = db.session.scalars(
            select(PayoutRequest).where(PayoutRequest.id.in_(ids)).order_by(PayoutRequest.id)
            .with_for_update().execution_options(populate_existing=True)).all()
        abandoned = set(abandoned_ids(within=ids))
        tried = set(db.session.scalars(select(StripePayoutItem.payout_request_id).where(
            StripePayoutItem.payout_request_id.in_(ids), StripePayoutItem.run_id != run.id)))
        marked = {user_id: paused_at is not None for user_id, paused_at in db.session.execute(
            select(StripeAccount.user_id, StripeAccount.paused_at).where(
                StripeAccount.user_id.in_({r.affiliate_id for r in requests}),
                or_(StripeAccount.consecutive_failures != 0, StripeAccount.paused_at.is_not(None))))}
        paused = {user_id for user_id, is_paused in marked.items() if is_paused}
        items = {i.payout_request_id: i for i in db.session.scalars(
            select(StripePayoutItem).where(StripePayoutItem.run_id == run.id,
                                           StripePayoutItem.payout_request_id.in_(ids)))}
        claimed = [_take(run, request, items, tried, paused, abandoned, balance) for request in requests]
        db.session.flush()
        run.heartbeat_at = utcnow()
        result = [Claimed(item.id, run.id, Payable.of(request), look, refuse, request.affiliate_id in marked)
                  for item, request, look, refuse in filter(None, claimed)]
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def _take(run, request, items, tried, paused, abandoned, balance):
    item = items.get(request.id)

    def skip(code: str):
        if item is not None:  # only an admin's selection has items before the claim; say why it was left
            item.outcome, item.error_code, item.finished_at = "skipped", code, utcnow()

    if request.method != "stripe":
        return skip("not_stripe")
    if request.status == "processing" and request.id in abandoned:
        return _item(run, request, item), request, True, None
    if request.status != "approved":
        return skip("not_waiting")
    if run.kind == "schedule" and request.affiliate_id in paused:
        item = item or _item(run, request, None, outcome="skipped")  # listed, so the run page says why
        return skip("paused")
    refuse = None if transferable(request.currency) else "currency_not_transferable"
    if refuse is None and balance is not None:
        if balance.get(request.currency, 0) < request.amount:
            item = item or _item(run, request, None, outcome="skipped")
            return skip("balance_low")
        balance[request.currency] -= request.amount
    states.apply_transition(request, "processing", run.requested_by_id)
    return _item(run, request, item), request, request.id in tried, refuse


def _item(run, request, item, outcome: str = "sending") -> StripePayoutItem:
    if item is None:
        item = StripePayoutItem(run_id=run.id, payout_request_id=request.id)
        db.session.add(item)
    item.outcome = outcome
    return item
