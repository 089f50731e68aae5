"""Payout runs: the daily run, an admin's "Pay now", and the sweep of requests abandoned by a dead run.

A run claims requests in batches (approved → processing) and pays each one (its transfer is made or found,
then recorded as paid or failed, one commit per request), so a crash at any point leaves every request
either settled or processing and abandoned, never paid twice. The daily run is due from
STRIPE_PAYOUT_TIME in the display time zone; one per day, enforced by a unique index, so the scheduler
may ask as often as it likes. Every run can be executed again safely: a finished run does nothing and a
running one with a fresh heartbeat is left to its worker.
"""
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import stripe
from flask import current_app
from loguru import logger
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.jobs import queue
from app.models.common import utcnow
from app.models.money import PayoutRequest
from app.models.stripe_connect import StripePayoutItem, StripePayoutRun
from app.money import from_stripe_units
from app.services.audit import trail
from app.services.stripe_connect import accounts, claims, client, mail, outcomes, transfers
from app.services.stripe_connect.errors import NothingToPayNow, StripeConnectError, StripeNotConfigured

SELECTION_MAX = 500
# Refusals that say the destination account cannot take transfers: its state is read again.
ACCOUNT_PROBLEMS = ("insufficient_capabilities_for_transfer", "account_invalid", "account_closed",
                    "transfers_not_allowed", "resource_missing")


def payout_time() -> tuple[int, int]:
    hours, _, minutes = current_app.config["STRIPE_PAYOUT_TIME"].partition(":")
    return int(hours), int(minutes or 0)


def due_day(now: datetime | None = None) -> date | None:
    """Today's date in the display time zone once the daily payout time has passed there, else None."""
    now = now or datetime.now(UTC)
    local = now.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    return local.date() if (local.hour, local.minute) >= payout_time() else None


def start_scheduled(now: datetime | None = None) -> int | None:
    """Create today's run if it is due and not made yet; its id, or None."""
    day = due_day(now)
    if day is None or not client.configured():
        return None
    run = StripePayoutRun(kind="schedule", scheduled_for=day)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # today's run exists: another tick (or scheduler) made it
        return None
    return run.id


def start_now(request_ids, actor_id: int, ip: str | None = None) -> StripePayoutRun:
    """An admin pays the selected approved Stripe requests now; commits, then queues the run."""
    if not client.configured():
        raise StripeNotConfigured()
    wanted = sorted({int(i) for i in request_ids})[:SELECTION_MAX]
    waiting = list(db.session.scalars(select(PayoutRequest.id).where(
        PayoutRequest.id.in_(wanted), PayoutRequest.status == "approved", PayoutRequest.method == "stripe")
        .order_by(PayoutRequest.id)))
    if not waiting:
        raise NothingToPayNow()
    run = StripePayoutRun(kind="admin", requested_by_id=actor_id)
    db.session.add(run)
    db.session.flush()
    db.session.add_all(StripePayoutItem(run_id=run.id, payout_request_id=i) for i in waiting)
    trail.record("stripe.pay_now", run, actor_id=actor_id, ip=ip, after={"requests": waiting})
    db.session.commit()
    queue.enqueue("app.jobs.stripe_payouts.execute_payout_run_job", run.id, queue="payouts",
                  timeout=current_app.config["STRIPE_RUN_TIMEOUT"])
    return run


def start_sweep() -> int | None:
    """Close runs that died, and make a run for requests they left processing (None when there are none)."""
    stale = claims.stale_before()
    db.session.execute(update(StripePayoutRun).where(or_(
        and_(StripePayoutRun.status == "running", StripePayoutRun.heartbeat_at < stale),
        and_(StripePayoutRun.status == "queued", StripePayoutRun.created_at < stale)))
        .values(status="finished", finished_at=utcnow(),
                note="Stopped before the end; requests it left were taken over by a later run."))
    db.session.commit()
    if not claims.abandoned_ids(limit=1):
        return None
    run = StripePayoutRun(kind="sweep")
    db.session.add(run)
    db.session.commit()
    return run.id


def _begin(run_id: int) -> StripePayoutRun | None:
    """Mark the run running, unless it is finished or another worker is running it (its heartbeat is fresh)."""
    now = utcnow()
    started = db.session.execute(update(StripePayoutRun).where(
        StripePayoutRun.id == run_id,
        or_(StripePayoutRun.status == "queued",
            and_(StripePayoutRun.status == "running", StripePayoutRun.heartbeat_at < claims.stale_before())))
        .values(status="running", started_at=func.coalesce(StripePayoutRun.started_at, now), heartbeat_at=now))
    db.session.commit()
    return db.session.get(StripePayoutRun, run_id) if started.rowcount == 1 else None


def platform_balance() -> dict[str, int] | None:
    """The platform's available Stripe balance per currency, in our minor units; None if Stripe did not answer."""
    try:
        balance = client.client().v1.balance.retrieve().to_dict()
    except stripe.StripeError as exc:
        logger.warning("Stripe balance not read ({}); the run goes on without checking it", client.error_code(exc))
        return None
    result = {}
    for entry in balance.get("available") or ():
        currency = str(entry.get("currency") or "").upper()
        amount = from_stripe_units(entry.get("amount"), currency) if len(currency) == 3 else None
        if amount is not None:
            result[currency] = amount
    return result


def execute(run_id: int) -> dict:
    """Do the run's work; safe to call twice. Returns its counts."""
    run = _begin(run_id)
    if run is None:
        return {"run": run_id, "skipped": "finished or running elsewhere"}
    logger.info("stripe payout run {} ({}) started", run.id, run.kind)
    balance = platform_balance()
    stopped: dict[str, tuple[str, str | None]] = {}  # currency (or "*") → why nothing more is sent in it
    ids = claims.candidates(run)
    senders = concurrency()
    with ThreadPoolExecutor(senders, thread_name_prefix=f"stripe-run-{run_id}") if senders > 1 else nullcontext() \
            as pool:
        for start in range(0, len(ids), claims.BATCH):
            batch = claims.claim(run, ids[start:start + claims.BATCH], balance)
            if pool is None:
                for claimed in batch:
                    _pay_safely(claimed, stopped)
            else:
                list(pool.map(_in_app_context(current_app._get_current_object(), _pay_safely, stopped), batch))
    return finish(run_id)


def concurrency() -> int:
    """How many payouts a run sends at once: Stripe answers in tenths of a second, so a run of thousands
    needs several in flight. One on SQLite, which takes one writer at a time."""
    if db.engine.dialect.name == "sqlite":
        return 1
    return max(1, int(current_app.config["STRIPE_RUN_CONCURRENCY"]))


def _in_app_context(app, work, *args):
    """`work(item, *args)` for a worker thread: its own app context, hence its own database session."""
    def run(item):
        with app.app_context():
            try:
                return work(item, *args)
            finally:
                db.session.remove()
    return run


def _pay_safely(claimed: claims.Claimed, stopped: dict) -> None:
    """Pay one claimed request; anything unexpected leaves it processing, for the sweep, and the run goes on."""
    try:
        _pay(claimed, stopped)
    except Exception:
        db.session.rollback()
        logger.exception("payout request {}: not settled in this run; the sweep takes it over", claimed.request_id)


def _pay(claimed: claims.Claimed, stopped: dict) -> None:
    payable = claimed.payable
    if claimed.refuse:
        outcomes.record_failed(claimed, claimed.refuse, None)
        return
    why = stopped.get(payable.currency) or stopped.get("*")
    if why is not None:
        outcomes.record_retry_later(claimed, *why)
        return
    outcome = transfers.send(payable, look_first=claimed.look_first)
    if outcome.kind == "sent":
        outcomes.record_sent(claimed, outcome.transfer)
    elif outcome.kind == "failed":
        outcomes.record_failed(claimed, outcome.code, outcome.message)
        if outcome.code in ACCOUNT_PROBLEMS:
            _refresh_account(payable.affiliate_id)
    else:
        outcomes.record_retry_later(claimed, outcome.code, outcome.message)
        if outcome.code == "balance_insufficient":
            stopped[payable.currency] = (outcome.code, outcome.message)
        elif outcome.code in transfers.PLATFORM_PROBLEMS or outcome.code == "http_401":
            stopped["*"] = (outcome.code, outcome.message)


def _refresh_account(affiliate_id: int) -> None:
    """Stripe refused because of the account: read its state now, so pages and Pay now see it (best effort)."""
    try:
        accounts.refresh(affiliate_id)
    except StripeConnectError as exc:
        logger.warning("stripe account of affiliate {} not refreshed: {}", affiliate_id, exc)


def finish(run_id: int) -> dict:
    run = db.session.get(StripePayoutRun, run_id)
    run.status, run.finished_at = "finished", utcnow()
    run.manual_left = db.session.scalar(select(func.count()).select_from(PayoutRequest).where(
        PayoutRequest.status == "approved", PayoutRequest.method != "stripe")) or 0
    db.session.commit()
    counts = outcome_counts(run_id)
    logger.info("stripe payout run {} finished: {}", run_id, counts)
    mail.run_finished(run, counts)
    return {"run": run_id, **counts}


def outcome_counts(run_id: int) -> dict[str, int]:
    rows = db.session.execute(select(StripePayoutItem.outcome, func.count()).where(
        StripePayoutItem.run_id == run_id).group_by(StripePayoutItem.outcome))
    return {outcome: int(count) for outcome, count in rows}
