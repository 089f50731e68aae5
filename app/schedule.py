"""Recurring jobs, declared once here.

In production `rq cron cron.py` (one process only: two would enqueue every job twice) reads
`RECURRING` and puts each job on its RQ queue when its cron expression comes due; the workers run
it. Without Redis nothing runs on a schedule: `flask jobs run-due` runs every job once, now.
Every job must be safe to run twice or at the same time as itself.

Cron expressions are read in the scheduler process's local time (UTC in the Docker image).
The daily Stripe payout run is asked for every hour, at the minute of STRIPE_PAYOUT_TIME; the job
itself starts the day's run once that time has passed in the display time zone (DISPLAY_TIMEZONE),
so the run keeps its local time whatever zone the scheduler runs in, through summer time changes,
and still happens later that day if the scheduler was down at the hour.
"""
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup
from loguru import logger

from app.config import Config
from app.extensions import redis_connection
from app.jobs.analytics import queue_reports_job, roll_up_stats_job
from app.jobs.clicks import drain_clicks_job, make_click_partitions_job, prune_clicks_job
from app.jobs.conversions import auto_approve_due_job
from app.jobs.ledger import verify_ledger_job
from app.jobs.stripe_payouts import daily_stripe_payouts_job, sweep_stripe_payouts_job
from app.jobs.webhooks import sweep_webhooks_job
from app.services.monitoring import records


@dataclass(frozen=True)
class Recurring:
    name: str
    func: Callable
    cron: str
    queue: str = "default"
    # A run still waiting after this many seconds is dropped: the next one does the same work.
    ttl: int | None = None
    # Seconds a worker lets one run of the job last (RQ's default, 180, when None).
    timeout: int | None = None
    description: str = ""


def hourly_at_payout_minute(config=Config, now: datetime | None = None) -> str:
    """"M * * * *" where M, in the scheduler's local time, is the minute of STRIPE_PAYOUT_TIME in the display zone."""
    now = now or datetime.now(UTC)
    display = now.astimezone(ZoneInfo(config.BABEL_DEFAULT_TIMEZONE)).utcoffset().total_seconds() // 60
    local = now.astimezone().utcoffset().total_seconds() // 60
    minute = int(config.STRIPE_PAYOUT_TIME.split(":")[1])
    return f"{int(minute - display + local) % 60} * * * *"


RECURRING: tuple[Recurring, ...] = (
    Recurring("auto-approve-conversions", auto_approve_due_job, cron="0 * * * *", ttl=3600,
              description="Approve conversions past their hold period on auto-approving campaigns."),
    Recurring("drain-clicks", drain_clicks_job, cron="*/5 * * * *", ttl=300,
              description="Backstop for the click drain process: store clicks waiting in Redis or a spool."),
    Recurring("stripe-daily-payouts", daily_stripe_payouts_job, cron=hourly_at_payout_minute(), queue="payouts",
              ttl=3600, timeout=Config.STRIPE_RUN_TIMEOUT,
              description="Once a day from STRIPE_PAYOUT_TIME (display time zone): send approved Stripe payouts."),
    Recurring("stripe-payouts-sweep", sweep_stripe_payouts_job, cron="*/15 * * * *", queue="payouts", ttl=900,
              timeout=Config.STRIPE_RUN_TIMEOUT,
              description="Settle Stripe payouts a stopped run left unfinished, looking each one up in Stripe first."),
    Recurring("verify-ledger", verify_ledger_job, cron="30 2 * * *", ttl=3600,
              description="Check every ledger entry against its source; differences go to the log and /metrics."),
    Recurring("roll-up-stats", roll_up_stats_job, cron="*/5 * * * *", ttl=300,
              description="Fold new clicks and conversion changes into the analytics rollup."),
    Recurring("webhook-deliveries", sweep_webhooks_job, cron="* * * * *", ttl=60,
              description="Queue webhook deliveries that are due: retries, and any Redis could not take."),
    Recurring("click-partitions", make_click_partitions_job, cron="10 1 * * *", ttl=3600,
              description="Postgres: make the monthly partitions of the clicks table CLICK_PARTITIONS_AHEAD months "
                          "ahead."),
    Recurring("prune-clicks", prune_clicks_job, cron="40 3 * * *", ttl=3600, timeout=3600,
              description="Drop raw clicks older than CLICK_RETENTION_MONTHS once the rollups hold their figures."),
    Recurring("queue-email-reports", queue_reports_job, cron="15 * * * *", ttl=3600,
              description="Queue the weekly and monthly summary emails that are due."),
)


def register_all(register) -> None:
    """Hand every recurring job to `register` (rq.cron.register, or a stand-in in tests)."""
    for job in RECURRING:
        register(job.func, queue_name=job.queue, cron=job.cron, ttl=job.ttl, job_timeout=job.timeout, name=job.name)


def run_all(names=()) -> list[tuple[Recurring, object, Exception | None]]:
    """Run the recurring jobs (all, or those named) once, in this process; one failure does not stop the rest."""
    results = []
    for job in RECURRING:
        if names and job.name not in names:
            continue
        try:
            results.append((job, job.func(), None))
            records.record_job_success(redis_connection(), job.name)
        except Exception as exc:  # the next job must still run; the failure is logged and reported
            logger.exception("recurring job {} failed", job.name)
            results.append((job, None, exc))
    return results


jobs_cli = AppGroup("jobs", help="Recurring background jobs.")


@jobs_cli.command("list")
def list_jobs():
    """Show the recurring jobs and when they run."""
    for job in RECURRING:
        click.echo(f"{job.name}  [{job.cron}]  queue={job.queue}  {job.description}")


@jobs_cli.command("run-due")
@click.option("--only", "names", multiple=True, type=click.Choice([job.name for job in RECURRING]),
              help="Run only this job (may be repeated).")
def run_due(names):
    """Run every recurring job once now (for setups without Redis and `rq cron`)."""
    failed = False
    for job, result, error in run_all(names):
        if error is None:
            click.echo(f"{job.name}: done ({result})")
        else:
            failed = True
            click.echo(f"{job.name}: failed ({error.__class__.__name__}: {error})", err=True)
    if failed:
        sys.exit(1)
