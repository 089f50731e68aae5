"""Clicks survive the faults of production: every redirect a visitor got has its click in the database once.

The app runs as production runs it (gunicorn, the `flask tracking drain` process) against a Postgres
and a Redis of the test's own, on their own ports, while the test sends clicks and kills things:
Redis, Postgres (as in a crash), the drain, and Redis and Postgres together. Bounded: about a minute.
"""
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest

from tests.servers import Servers, free_port, require_servers, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CLICK_ID = re.compile(r"[?&]aff_click_id=([A-Za-z0-9_-]+)")
SEED = """
from app import create_app
from app.extensions import db
from app.models.campaigns import Campaign, Membership
from app.models.tracking import Link
from app.services.accounts import accounts
app = create_app()
with app.app_context():
    merchant = accounts.create_user("m@example.com", "fault password 1", "merchant", "M",
                                    company_name="Shop", website="https://shop.example")
    affiliate = accounts.create_user("a@example.com", "fault password 1", "affiliate", "A")
    campaign = Campaign(merchant_id=merchant.id, name="Faults", landing_url="https://shop.example/",
                        allowed_hosts="shop.example", commission_type="percent", commission_rate=10,
                        currency="VND", attribution_days=30)
    db.session.add(campaign)
    db.session.flush()
    db.session.add(Membership(campaign_id=campaign.id, affiliate_id=affiliate.id, status="approved"))
    db.session.add(Link(code="faults", campaign_id=campaign.id, affiliate_id=affiliate.id))
    db.session.commit()
"""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitors:
    """Threads clicking the link until stopped; keeps every click id a redirect carried, and any other answer."""

    def __init__(self, url: str, threads: int = 3):
        self.url, self.threads = url, threads
        self.answered: list[str] = []
        self.other: list[str] = []
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._opener = urllib.request.build_opener(_NoRedirect)

    def _click(self, n: int) -> None:
        request = urllib.request.Request(f"{self.url}?sub1=v{n}", headers={"User-Agent": BROWSER})
        try:
            self._opener.open(request, timeout=10)
            self.other.append("200")
        except urllib.error.HTTPError as exc:
            match = CLICK_ID.search(exc.headers.get("Location", "")) if exc.code == 302 else None
            if match:
                self.answered.append(match.group(1))
            else:
                self.other.append(str(exc.code))
        except OSError as exc:  # the request never got an answer: no redirect, nothing promised
            self.other.append(type(exc).__name__)

    def _run(self, worker: int) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            self._click(worker * 1_000_000 + n)
            time.sleep(0.005)

    def start(self) -> None:
        self._stop.clear()
        self._workers = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(self.threads)]
        for worker in self._workers:
            worker.start()

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)


def _process(command, env, log: Path) -> subprocess.Popen:
    handle = open(log, "ab")  # noqa: SIM115 (kept open for the life of the process)
    return subprocess.Popen([str(c) for c in command], cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _end(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _stored(database_url: str) -> tuple[int, set[str]]:
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as conn:
        rows = [r[0] for r in conn.execute("SELECT public_id FROM clicks")]
    return len(rows), set(rows)


@pytest.fixture
def private_servers():
    require_servers()
    with Servers() as servers:
        yield servers


def test_every_answered_click_reaches_the_database_once_through_faults(private_servers, tmp_path):
    postgres = private_servers.postgres()
    postgres.start()
    # "always": the test kills Redis as a crash would and then counts on every acknowledged append.
    redis = private_servers.redis(appendonly="yes", appendfsync="always")
    redis.start()
    logs = tmp_path / "logs"
    logs.mkdir()
    env = dict(os.environ, APP_ENV="production", SECRET_KEY=secrets.token_urlsafe(32), FLASK_APP="wsgi",
               DATABASE_URL=postgres.url, REDIS_URL=redis.url, CLICK_SPOOL_DIR=str(tmp_path / "spool"),
               LOG_FILE=str(logs / "app.log"), LOG_LEVEL="INFO", PYTHONPATH=str(ROOT))
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL"):
        env.pop(name, None)
    subprocess.run([BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([BIN / "python", "-c", SEED], cwd=ROOT, env=env, check=True, capture_output=True)

    port = free_port()
    web = _process([BIN / "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--preload",
                    "--no-control-socket", "wsgi:app"], env, logs / "web.log")
    drain = _process([BIN / "flask", "tracking", "drain", "--interval", "0.1"], env, logs / "drain.log")
    visitors = Visitors(f"http://127.0.0.1:{port}/r/faults")
    try:
        wait_for_port(port)
        visitors.start()
        time.sleep(1.5)

        redis.kill()  # Redis crashes: clicks go to the database
        time.sleep(1.5)
        redis.start()
        time.sleep(1.5)

        postgres.stop("immediate")  # Postgres crashes and restarts; clicks keep going to Redis
        time.sleep(1)
        postgres.start()
        time.sleep(1.5)

        _end(drain, signal.SIGKILL)  # the drain dies holding what it read
        time.sleep(1.5)
        drain = _process([BIN / "flask", "tracking", "drain", "--interval", "0.1"], env, logs / "drain.log")
        time.sleep(1.5)

        redis.kill()  # both at once: clicks wait in the spool file
        postgres.stop("immediate")
        time.sleep(1.5)
        postgres.start()
        time.sleep(1)  # the database alone: clicks go straight into it
        redis.start()
        time.sleep(1.5)
    finally:
        visitors.stop()

    try:
        answered = set(visitors.answered)
        deadline = time.monotonic() + 60
        while True:
            count, stored = _stored(postgres.url)
            if answered <= stored or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        _end(web)
        _end(drain)

    missing = answered - stored
    log_tail = "\n".join((logs / name).read_text(errors="replace")[-3000:] for name in ("web.log", "drain.log"))
    assert len(visitors.answered) > 200, f"too few clicks were answered to prove anything\n{log_tail}"
    assert len(answered) == len(visitors.answered), "a click id was issued twice"
    assert not missing, f"{len(missing)} of {len(answered)} answered clicks never reached the database\n{log_tail}"
    assert count == len(stored), "a click was stored twice"
    # Every visitor was redirected, whatever was down at the moment.
    assert not visitors.other, visitors.other[:20]
