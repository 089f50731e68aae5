"""A real RQ worker (`python worker.py payouts`) killed with SIGKILL in the middle of a payout run, on the
real Postgres and Redis: (a) before the Stripe call, (b) after Stripe made the transfer but before our
commit, (c) after our commit. The sweep that the scheduler runs next then settles everything: every
request paid, exactly one transfer each, and `flask ledger verify` clean. Each case runs twice.

The worker uses Redis database 3 (next to the suite's own) and the suite's Postgres database.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue

from app.extensions import db
from app.jobs.stripe_payouts import sweep_stripe_payouts_job
from app.models.money import PayoutRequest
from app.models.stripe_connect import StripePayoutRun
from tests.concurrency import postgres_only
from tests.stripe_helpers import connected_affiliate, request_of, stripe_payout

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
STALE_SECONDS = 1

pytestmark = [
    *postgres_only("crash tests need the real Postgres server (TEST_DATABASE_URL)"),
    pytest.mark.skipif(not REDIS_URL.startswith("redis"), reason="crash tests need a real Redis (TEST_REDIS_URL)"),
]


@pytest.fixture
def worker_redis():
    """Redis database 3 of the suite's server: the queues the test workers listen on."""
    connection = Redis.from_url(REDIS_URL.rsplit("/", 1)[0] + "/3")
    connection.flushdb()
    yield connection
    connection.flushdb()


def start_worker(fake, worker_redis, log: Path) -> subprocess.Popen:
    kwargs = worker_redis.connection_pool.connection_kwargs
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": os.environ["TEST_DATABASE_URL"],
           "REDIS_URL": f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs['db']}",
           "STRIPE_API_KEY": fake.api_key, "STRIPE_API_BASE": fake.url, "STRIPE_PAYOUT_CURRENCIES": "USD",
           "STRIPE_PLATFORM_COUNTRY": "US", "STRIPE_PAYOUT_TIME": "00:00",
           "STRIPE_RUN_STALE_SECONDS": str(STALE_SECONDS), "STRIPE_RUN_CONCURRENCY": "1", "MAIL_SERVER": "",
           "LOG_LEVEL": "WARNING", "LOG_FILE": ""}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "worker.py", "payouts"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def session_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[3])  # the field after state, ppid, pgrp: the session id


def kill(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and the work horse it forked (RQ puts the horse in a process group of its own, in
    the worker's session, which the worker leads)."""
    members = [int(p.name) for p in Path("/proc").iterdir()
               if p.name.isdigit() and session_of(int(p.name)) == worker.pid]
    for pid in sorted(set(members) | {worker.pid}, reverse=True):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.wait(timeout=10)


def wait_for(check, what: str, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


@pytest.mark.parametrize("attempt", [1, 2])
@pytest.mark.parametrize("moment", ["before the Stripe call", "after Stripe made the transfer",
                                    "after our commit"])
def test_a_worker_killed_mid_run_leaves_nothing_paid_twice(app, fake_stripe, worker_redis, tmp_path, monkeypatch,
                                                           moment, attempt):
    first, second = (stripe_payout(connected_affiliate(fake_stripe)[0]) for _ in range(2))
    log = tmp_path / "workers.log"
    mode, skip = {"before the Stripe call": ("hold_before", 0), "after Stripe made the transfer": ("hold_after", 0),
                  "after our commit": ("hold_before", 1)}[moment]
    held = fake_stripe.fail("POST", "/v1/transfers", mode, skip=skip, delay=60)
    worker = start_worker(fake_stripe, worker_redis, log)
    try:
        Queue("payouts", connection=worker_redis).enqueue("app.jobs.stripe_payouts.daily_stripe_payouts_job",
                                                          job_timeout=120)
        wait_for(held.reached.is_set, "the worker to reach the held Stripe call", log)
        if moment == "after our commit":
            assert request_of(first).status == "paid"  # committed before the second transfer was asked for
    finally:
        kill(worker)
        held.release.set()  # the held request ends: dropped unanswered, or answered to nobody
    expected_before = {"before the Stripe call": 0, "after Stripe made the transfer": 1, "after our commit": 1}
    assert len(fake_stripe.transfers()) == expected_before[moment]
    assert {request_of(first).status, request_of(second).status} <= {"processing", "paid"}

    time.sleep(STALE_SECONDS + 0.2)  # the dead run's heartbeat grows old
    monkeypatch.setitem(app.config, "STRIPE_RUN_STALE_SECONDS", STALE_SECONDS)
    outcome, again = sweep_stripe_payouts_job(), sweep_stripe_payouts_job()  # as the scheduler's next tick would
    assert outcome["sent"] == (1 if moment == "after our commit" else 2) and again == "nothing abandoned"
    for request_id in (first, second):
        paid = request_of(request_id)
        (transfer,) = fake_stripe.transfers(group=f"payout-request-{request_id}")
        assert (paid.status, paid.stripe_transfer_id) == ("paid", transfer["id"])
    assert len(fake_stripe.transfers()) == 2
    dead = db.session.scalar(db.select(StripePayoutRun).where(StripePayoutRun.kind == "schedule"))
    assert dead.status == "finished" and dead.note
    verified = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert verified.exit_code == 0 and "Ledger OK" in verified.output, verified.output
    assert db.session.scalar(db.select(db.func.count()).select_from(PayoutRequest).where(
        PayoutRequest.status != "paid")) == 0
