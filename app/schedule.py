"""Recurring jobs, declared once here.

In production `rq cron cron.py` (one process only: two would enqueue every job twice) reads
`RECURRING` and puts each job on its RQ queue when its cron expression comes due; the workers run
it. Without Redis nothing runs on a schedule: `flask jobs run-due` runs every job once, now.
Every job must be safe to run twice or at the same time as itself.

Cron expressions are read in the scheduler process's local time (UTC in the Docker image).
Daily payout batches (09:00) are declared here once their job exists.
"""
import sys
from collections.abc import Callable
from dataclasses import dataclass

import click
from flask.cli import AppGroup
from loguru import logger

from app.jobs.analytics import queue_reports_job, roll_up_stats_job
from app.jobs.clicks import drain_clicks_job
from app.jobs.conversions import auto_approve_due_job


@dataclass(frozen=True)
class Recurring:
    name: str
    func: Callable
    cron: str
    queue: str = "default"
    # A run still waiting after this many seconds is dropped: the next one does the same work.
    ttl: int | None = None
    description: str = ""


RECURRING: tuple[Recurring, ...] = (
    Recurring("auto-approve-conversions", auto_approve_due_job, cron="0 * * * *", ttl=3600,
              description="Approve conversions past their hold period on auto-approving campaigns."),
    Recurring("drain-clicks", drain_clicks_job, cron="*/5 * * * *", ttl=300,
              description="Backstop for the click drain process: store clicks waiting in Redis or a spool."),
    Recurring("roll-up-stats", roll_up_stats_job, cron="*/5 * * * *", ttl=300,
              description="Fold new clicks and conversion changes into the analytics rollup."),
    Recurring("queue-email-reports", queue_reports_job, cron="15 * * * *", ttl=3600,
              description="Queue the weekly and monthly summary emails that are due."),
)


def register_all(register) -> None:
    """Hand every recurring job to `register` (rq.cron.register, or a stand-in in tests)."""
    for job in RECURRING:
        register(job.func, queue_name=job.queue, cron=job.cron, ttl=job.ttl, name=job.name)


def run_all(names=()) -> list[tuple[Recurring, object, Exception | None]]:
    """Run the recurring jobs (all, or those named) once, in this process; one failure does not stop the rest."""
    results = []
    for job in RECURRING:
        if names and job.name not in names:
            continue
        try:
            results.append((job, job.func(), None))
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
