"""`/metrics` under gunicorn with two workers: the counts of both are added up."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


def _wait_until_serving(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"gunicorn did not answer within 30 s:\n{log.read_text()[-3000:]}")


def _health_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "affiliate_http_request_duration_seconds_count" \
                    and labels.get("endpoint") == "/track/health" and labels.get("status") == "2xx":
                return sample.value
    return 0.0


def test_counts_of_both_gunicorn_workers_are_summed(tmp_path):
    port = _free_port()
    metrics_dir = tmp_path / "metrics"
    log = tmp_path / "gunicorn.log"
    env = dict(os.environ, APP_ENV="development", SECRET_KEY="metrics-test-secret-key",
               DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}", REDIS_URL="", LOG_LEVEL="WARNING", LOG_FILE="",
               PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), UPLOAD_DIR=str(tmp_path / "uploads"),
               CLICK_SPOOL_DIR=str(tmp_path / "spool"), SENTRY_DSN="", METRICS_TOKEN="")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with open(log, "wb") as out:
        server = subprocess.Popen([str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--preload",
                                  "--no-control-socket", "wsgi:app"], cwd=ROOT, env=env, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(f"{base}/track/health", server, log)
        sent = 1
        # Concurrent requests keep both sync workers busy; stop once each has written its own file.
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(20):
                list(pool.map(lambda _n: _get(f"{base}/track/health"), range(40)))
                sent += 40
                if len({p.name.rsplit("_", 1)[1] for p in metrics_dir.glob("histogram_*.db")}) >= 2:
                    break
        pids = {p.name.rsplit("_", 1)[1] for p in metrics_dir.glob("histogram_*.db")}
        assert len(pids) >= 2, "both workers should have answered requests"

        scraped = _get(f"{base}/metrics").decode()

        assert _health_count(scraped) == sent
        assert "affiliate_database_up 1.0" in scraped
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
