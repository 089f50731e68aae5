"""When runs happen: the daily run from the payout time in the display zone, and the sweep of dead runs."""
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from app import schedule
from app.config import Config
from app.extensions import db
from app.jobs.stripe_payouts import daily_stripe_payouts_job, sweep_stripe_payouts_job
from app.models.stripe_connect import StripePayoutRun
from app.services.stripe_connect import claims, runs
from tests.stripe_helpers import MORNING, connected_affiliate, daily_run, request_of, stripe_payout


def claimed_by_a_run_that_died(request_id: int) -> int:
    """A run that took the request (approved → processing) and then stopped, its heartbeat long gone."""
    run = StripePayoutRun(kind="admin", status="running", heartbeat_at=datetime(2020, 1, 1))
    db.session.add(run)
    db.session.commit()
    claims.claim(run, [request_id], None)
    run.heartbeat_at = datetime(2020, 1, 1)
    db.session.commit()
    return run.id


def test_the_daily_run_is_due_from_the_payout_time_in_the_display_zone(app, monkeypatch):
    # 09:00 in Ho Chi Minh City is 02:00 UTC.
    assert runs.due_day(datetime(2026, 3, 2, 1, 59, tzinfo=UTC)) is None
    assert str(runs.due_day(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))) == "2026-03-02"
    assert runs.due_day(datetime(2026, 3, 2, 18, 0, tzinfo=UTC)) is None  # 01:00 of the next day there
    monkeypatch.setitem(app.config, "STRIPE_PAYOUT_TIME", "17:30")
    assert runs.due_day(datetime(2026, 3, 2, 10, 29, tzinfo=UTC)) is None
    assert runs.due_day(datetime(2026, 3, 2, 10, 30, tzinfo=UTC)) is not None


def test_one_scheduled_run_a_day_however_often_the_scheduler_asks(app, fake_stripe):
    first = runs.start_scheduled(MORNING)
    assert first is not None
    assert runs.start_scheduled(MORNING + timedelta(minutes=5)) is None
    assert runs.start_scheduled(MORNING + timedelta(days=1)) not in (None, first)
    app.config["STRIPE_API_KEY"] = ""
    assert runs.start_scheduled(MORNING + timedelta(days=2)) is None  # nothing to do without Stripe


def test_the_jobs_are_declared_with_the_payout_minute_in_the_schedulers_time(app):
    jobs = {job.name: job for job in schedule.RECURRING}
    daily, sweep = jobs["stripe-daily-payouts"], jobs["stripe-payouts-sweep"]
    assert daily.func is daily_stripe_payouts_job and sweep.func is sweep_stripe_payouts_job
    assert daily.queue == sweep.queue == "payouts" and daily.timeout == Config.STRIPE_RUN_TIMEOUT
    assert sweep.cron == "*/15 * * * *"

    class HalfPast(Config):
        STRIPE_PAYOUT_TIME = "09:30"
        BABEL_DEFAULT_TIMEZONE = "Asia/Kolkata"  # UTC+05:30

    now = datetime(2026, 3, 2, tzinfo=UTC)
    local_minutes = now.astimezone().utcoffset().total_seconds() // 60
    assert schedule.hourly_at_payout_minute(HalfPast, now) == f"{int(30 - 330 + local_minutes) % 60} * * * *"


def test_the_daily_job_runs_by_hand_with_flask_jobs_run_due(app, fake_stripe):
    request_id = stripe_payout(connected_affiliate(fake_stripe)[0])
    app.config["STRIPE_PAYOUT_TIME"] = "00:00"
    result = CliRunner().invoke(schedule.run_due, ["--only", "stripe-daily-payouts"])
    assert result.exit_code == 0, result.output
    assert "stripe-daily-payouts: done" in result.output and request_of(request_id).status == "paid"
    again = CliRunner().invoke(schedule.run_due, ["--only", "stripe-daily-payouts"])
    assert "not due, already made today" in again.output and len(fake_stripe.transfers()) == 1


def test_the_sweep_settles_what_a_dead_run_left_and_never_pays_twice(app, fake_stripe):
    untried = stripe_payout(connected_affiliate(fake_stripe)[0])
    made_there = stripe_payout(connected_affiliate(fake_stripe)[0])
    dead = claimed_by_a_run_that_died(untried)
    claimed_by_a_run_that_died(made_there)
    # The dead run had reached Stripe for one of them before it died.
    request = request_of(made_there)
    fake_stripe.state.create_transfer({"amount": "2500", "currency": "usd",
                                       "destination": request.details["stripe_account_id"],
                                       "transfer_group": f"payout-request-{made_there}",
                                       "metadata": {"payout_request_id": str(made_there)}})
    outcome = sweep_stripe_payouts_job()
    assert outcome["sent"] == 2
    assert [request_of(i).status for i in (untried, made_there)] == ["paid", "paid"]
    assert len(fake_stripe.transfers(group=f"payout-request-{made_there}")) == 1
    assert len(fake_stripe.transfers(group=f"payout-request-{untried}")) == 1
    closed = db.session.get(StripePayoutRun, dead)
    assert closed.status == "finished" and "taken over" in closed.note
    assert sweep_stripe_payouts_job() == "nothing abandoned"


def test_a_live_run_is_not_swept(app, fake_stripe):
    request_id = stripe_payout(connected_affiliate(fake_stripe)[0])
    run = StripePayoutRun(kind="admin", status="running", heartbeat_at=datetime.now(UTC).replace(tzinfo=None))
    db.session.add(run)
    db.session.commit()
    claims.claim(run, [request_id], None)
    assert sweep_stripe_payouts_job() == "nothing abandoned"
    assert daily_run()  # the daily run leaves it to its run, too
    assert request_of(request_id).status == "processing" and fake_stripe.transfers() == []
