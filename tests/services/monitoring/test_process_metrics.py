"""The click drain's and the worker's own metrics, and the endpoint each of them answers on."""
import threading
import time
import urllib.error
import urllib.request

import fakeredis
from rq import Queue, SimpleWorker

from app.extensions import db
from app.models.tracking import Click
from app.services.monitoring import records
from app.services.monitoring.exporter import serve
from app.services.monitoring.process_metrics import DrainMetrics, WorkerMetrics
from app.services.monitoring.worker import MeasuredJobs
from app.services.tracking import drain
from app.services.tracking.follow import follow_link
from tests.factories import make_campaign, make_link, make_membership
from tests.metrics_helpers import parse, value
from tests.tracking_helpers import BROWSER, clean_click_path  # noqa: F401

TOKEN = "process-metrics-token-0123456789"


def _read(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_the_drain_reports_what_it_stored_and_that_it_is_alive(app):
    link = make_link(make_membership(make_campaign()).campaign)
    for _ in range(3):
        follow_link(link.code, user_agent=BROWSER, ip="203.0.113.7")
    metrics = DrainMetrics()
    beat_before = value(parse(_exposition(metrics)), "affiliate_click_drain_last_loop_timestamp_seconds")
    stop = threading.Event()

    def drain_in_the_background():
        with app.app_context():
            drain.run(stop, interval=0.05, metrics=metrics)

    thread = threading.Thread(target=drain_in_the_background)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while db.session.scalar(db.select(db.func.count()).select_from(Click)) < 3 and time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        stop.set()
        thread.join(timeout=10)
    samples = parse(_exposition(metrics))
    assert value(samples, "affiliate_click_drain_clicks_stored_total") == 3
    assert value(samples, "affiliate_click_drain_batches_total") >= 1
    assert value(samples, "affiliate_click_drain_batch_duration_seconds_count") >= 1
    assert value(samples, "affiliate_click_drain_last_loop_timestamp_seconds") > beat_before
    assert value(samples, "affiliate_click_drain_errors_total") == 0


def _exposition(metrics) -> str:
    from prometheus_client import generate_latest

    return generate_latest(metrics.registry).decode()


def test_the_metrics_endpoint_of_a_process_follows_the_access_rule():
    metrics = DrainMetrics()
    metrics.batch(5, 0.01)
    server = serve("127.0.0.1:0", metrics.registry, TOKEN, "test")
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        status, body = _read(url)
        assert status == 200 and "affiliate_click_drain_clicks_stored_total 5.0" in body
        assert _read(url, "wrong-token")[0] == 401
        assert _read(url, TOKEN)[0] == 200
    finally:
        server.shutdown()
        server.server_close()


def test_a_busy_address_costs_the_metrics_only():
    metrics = WorkerMetrics()
    first = serve("127.0.0.1:0", metrics.registry, None, "first")
    try:
        assert serve(f"127.0.0.1:{first.server_port}", metrics.registry, None, "second") is None
        assert serve("", metrics.registry, None, "off") is None
    finally:
        first.shutdown()
        first.server_close()


def succeeding_job(n):
    return n * 2


def failing_job():
    raise ValueError("no")


class MeasuredSimpleWorker(MeasuredJobs, SimpleWorker):
    """The measuring worker without the fork, so the test's in-memory Redis sees what the job did."""


def test_the_worker_counts_jobs_by_outcome_and_records_recurring_successes(app):
    connection = fakeredis.FakeStrictRedis()
    queue = Queue("default", connection=connection)
    queue.enqueue(succeeding_job, 2)
    queue.enqueue(succeeding_job, 3)
    queue.enqueue(failing_job)
    worker = MeasuredSimpleWorker([queue], connection=connection)
    worker.metrics = WorkerMetrics()
    worker.recurring_by_func = {f"{__name__}.succeeding_job": "doubling"}

    worker.work(burst=True)

    samples = parse(_exposition(worker.metrics))
    assert value(samples, "affiliate_worker_jobs_total", queue="default", job_name="succeeding_job",
                 outcome="finished") == 2
    assert value(samples, "affiliate_worker_jobs_total", queue="default", job_name="failing_job",
                 outcome="failed") == 1
    assert value(samples, "affiliate_worker_job_duration_seconds_count", queue="default",
                 job_name="succeeding_job") == 2
    assert time.time() - 60 < records.job_successes(connection, ["doubling"])["doubling"] <= time.time()
