"""What the Stripe pages show: runs and their progress, each request's latest attempt, the next run's time."""
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models.money import PayoutRequest
from app.models.stripe_connect import StripePayoutItem, StripePayoutRun
from app.models.users import User
from app.services.common.lists import paginate
from app.services.common.sorting import Sort, Sorts
from app.services.stripe_connect import runs

RUNS_PER_PAGE = 20
ITEMS_SHOWN = 200


@dataclass
class RunProgress:
    run: StripePayoutRun
    counts: dict[str, int]
    problems: list  # (item, request, affiliate name) of refused, postponed and skipped requests

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def sent(self) -> int:
        return self.counts.get("sent", 0)

    @property
    def done(self) -> int:
        return self.total - self.counts.get("queued", 0) - self.counts.get("sending", 0)

    @property
    def running(self) -> bool:
        return self.run.status != "finished"


# Runs still going sort as finished last, whichever way.
RUN_SORTS = Sorts({"run": (), "created": (StripePayoutRun.created_at,),
                   "finished": (StripePayoutRun.finished_at.is_(None).asc(), StripePayoutRun.finished_at),
                   "status": (StripePayoutRun.status,)},
                  default="run", tie=StripePayoutRun.id)


def runs_page(page: int, sort: Sort = Sort("run")):
    return paginate(select(StripePayoutRun).order_by(*RUN_SORTS.order_by(sort)), page, RUNS_PER_PAGE)


def progress(run: StripePayoutRun) -> RunProgress:
    problems = list(db.session.execute(
        select(StripePayoutItem, PayoutRequest, User.name)
        .join(PayoutRequest, PayoutRequest.id == StripePayoutItem.payout_request_id)
        .join(User, User.id == PayoutRequest.affiliate_id)
        .where(StripePayoutItem.run_id == run.id,
               StripePayoutItem.outcome.in_(("failed", "retry_later", "skipped")))
        .order_by(StripePayoutItem.id).limit(ITEMS_SHOWN)))
    return RunProgress(run, runs.outcome_counts(run.id), problems)


def latest_items(request_ids) -> dict[int, StripePayoutItem]:
    """Each request's most recent run item (what the last run did with it)."""
    ids = list(request_ids)
    if not ids:
        return {}
    newest = (select(func.max(StripePayoutItem.id)).where(StripePayoutItem.payout_request_id.in_(ids))
              .group_by(StripePayoutItem.payout_request_id))
    return {item.payout_request_id: item for item in db.session.scalars(
        select(StripePayoutItem).where(StripePayoutItem.id.in_(newest)))}


def next_run_at(now: datetime | None = None) -> datetime:
    """When the next daily run starts, in the display time zone."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    local = (now or datetime.now(UTC)).astimezone(zone)
    hours, minutes = runs.payout_time()
    today = datetime.combine(local.date(), time(hours, minutes), tzinfo=zone)
    already = db.session.scalar(select(StripePayoutRun.id).where(
        StripePayoutRun.kind == "schedule", StripePayoutRun.scheduled_for == local.date()))
    return today if local < today or already is None else today + timedelta(days=1)


def waiting() -> dict[str, int]:
    """Approved Stripe payouts waiting for a run, and those being sent."""
    rows = db.session.execute(select(PayoutRequest.status, func.count()).where(
        PayoutRequest.method == "stripe", PayoutRequest.status.in_(("approved", "processing")))
        .group_by(PayoutRequest.status))
    return {status: int(count) for status, count in rows}


@dataclass
class AccountView:
    """What the affiliate's Stripe panel shows."""

    account: object  # StripeAccount | None
    status: str
    todo: list[str]  # what Stripe still needs, in plain words
    countries: list[str]  # names of the countries Stripe can pay people in, from this site
    stripe_currencies: list[str]  # the affiliate's currencies that can be paid through Stripe
    manual_currencies: list[str]  # the affiliate's currencies that are paid by hand
    bank_payouts: list


def account_view(user_id: int, currencies) -> AccountView:
    from app.services.stripe_connect import accounts, bank_payouts, countries, status

    account = accounts.account_of(user_id)
    state = account.status if account is not None else "not_started"
    todo = status.summarise((account.past_due or account.currently_due) if account is not None else ())
    mine = sorted(set(currencies) | set(accounts.payout_currencies()))
    return AccountView(
        account=account, status=state, todo=todo,
        countries=sorted(countries.country_name(code) for code in countries.supported()),
        stripe_currencies=[c for c in mine if accounts.transferable(c)],
        manual_currencies=[c for c in sorted(set(currencies)) if not accounts.transferable(c)],
        bank_payouts=bank_payouts.recent(user_id) if account is not None else [])


@dataclass
class RequestView:
    """The Stripe side of one payout request, for the admin."""

    item: StripePayoutItem | None  # what the latest run did with it
    account: object  # the affiliate's StripeAccount, or None
    next_run_at: datetime


def request_view(request: PayoutRequest) -> RequestView:
    from app.models.stripe_connect import StripeAccount

    return RequestView(item=latest_items([request.id]).get(request.id),
                       account=db.session.get(StripeAccount, request.affiliate_id), next_run_at=next_run_at())
