"""Recurring jobs: the declarations, the `rq cron` configuration and `flask jobs run-due`."""
from datetime import timedelta
from pathlib import Path

import fakeredis
import pytest
from croniter import croniter
from rq import Queue
from rq.cron import CronScheduler

from app import schedule
from app.extensions import db
from app.jobs.conversions import auto_approve_due_job
from app.jobs.queue import QUEUES
from app.models.common import utcnow
from app.models.conversions import Conversion
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
CRON_CONFIG = str(ROOT / "cron.py")


def due_conversion(**kwargs):
    """A pending conversion on an auto-approving campaign whose hold period ended yesterday."""
    campaign = factories.make_campaign(auto_approve=True, hold_days=0)
    link = factories.make_link(campaign)
    return factories.make_conversion(factories.make_click(link), payable_at=utcnow() - timedelta(days=1), **kwargs)


def status_of(conversion_id):
    db.session.expire_all()
    return db.session.get(Conversion, conversion_id).status


def test_declarations_are_valid_and_unique():
    names = [job.name for job in schedule.RECURRING]
    assert len(names) == len(set(names))
    for job in schedule.RECURRING:
        assert croniter.is_valid(job.cron), job.name
        assert callable(job.func) and job.queue in QUEUES
    auto = next(job for job in schedule.RECURRING if job.func is auto_approve_due_job)
    assert auto.cron == "0 * * * *"  # hourly


def test_rq_cron_config_registers_every_declared_job():
    scheduler = CronScheduler(connection=fakeredis.FakeStrictRedis())
    scheduler.load_config_from_file(CRON_CONFIG)
    registered = {job.name: job for job in scheduler.get_jobs()}
    assert set(registered) == {job.name for job in schedule.RECURRING}
    auto = registered["auto-approve-conversions"]
    assert auto.func is auto_approve_due_job and auto.cron == "0 * * * *" and auto.queue_name == "default"
    assert auto.func_name == "app.jobs.conversions.auto_approve_due_job"


def test_a_due_cron_job_is_enqueued_and_the_worker_side_approves(app):
    conversion = due_conversion()
    connection = fakeredis.FakeStrictRedis()
    scheduler = CronScheduler(connection=connection)
    scheduler.load_config_from_file(CRON_CONFIG)
    (auto,) = [job for job in scheduler.get_jobs() if job.name == "auto-approve-conversions"]
    assert not auto.should_run()  # nothing before the top of the hour
    auto.next_enqueue_time = auto.next_enqueue_time - timedelta(hours=2)

    assert [job.name for job in scheduler.enqueue_jobs()] == ["auto-approve-conversions"]
    (job,) = Queue("default", connection=connection).get_jobs()
    assert job.func_name == "app.jobs.conversions.auto_approve_due_job" and job.ttl == 3600
    assert job.perform() == 1  # what a worker (inside the app context) does with it
    assert status_of(conversion.id) == "approved"
    assert job.perform() == 0  # safe to run twice


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        result = runner.invoke(args=list(args))
        db.session.expire_all()
        return result

    return invoke


def test_run_due_runs_auto_approval(run):
    due = due_conversion()
    flagged = due_conversion(fraud_flags=["self_referral"])
    later = factories.make_conversion(factories.make_click(factories.make_link(
        factories.make_campaign(auto_approve=True))))
    result = run("jobs", "run-due")
    assert result.exit_code == 0, result.output
    assert "auto-approve-conversions: done (1)" in result.output
    assert (status_of(due.id), status_of(flagged.id), status_of(later.id)) == ("approved", "pending", "pending")
    assert "auto-approve-conversions: done (0)" in run("jobs", "run-due").output


def test_run_due_only_and_list(run):
    assert run("jobs", "run-due", "--only", "auto-approve-conversions").exit_code == 0
    assert run("jobs", "run-due", "--only", "nope").exit_code == 2
    listed = run("jobs", "list").output
    assert "auto-approve-conversions  [0 * * * *]  queue=default" in listed


def test_one_failing_job_does_not_stop_the_others(run, monkeypatch):
    def broken():
        raise RuntimeError("boom")

    due = due_conversion()
    monkeypatch.setattr(schedule, "RECURRING", (schedule.Recurring("broken", broken, "0 * * * *"),
                                                *schedule.RECURRING))
    result = run("jobs", "run-due")
    assert result.exit_code == 1
    assert "broken: failed (RuntimeError: boom)" in result.output
    assert status_of(due.id) == "approved"


def test_production_compose_runs_exactly_one_scheduler():
    compose = (ROOT / "docker-compose.prod.yml").read_text()
    assert compose.count('command: ["rq", "cron", "cron.py"]') == 1
    scheduler = compose.split("\n  scheduler:\n", 1)[1].split("\n\n", 1)[0]
    assert "RQ_REDIS_URL: redis://redis:6379/0" in scheduler
    assert "replicas" not in scheduler and "scale" not in scheduler
