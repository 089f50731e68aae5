"""`/metrics`: who may read it, and that real actions move the figures."""
import json
import time

from rq import Queue

from app.extensions import redis_connection
from app.services.monitoring import business
from app.services.payouts import requests
from app.services.tracking import spool
from tests.conversion_helpers import make_key, setup_click
from tests.factories import make_campaign, make_link, make_membership, make_user
from tests.metrics_helpers import moved, parse, scrape, value
from tests.payout_helpers import affiliate_with_details, earn, run
from tests.tracking_helpers import BROWSER, clean_click_path  # noqa: F401

TOKEN = "metrics-token-for-tests-0123456789"
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.5"}


def test_loopback_reads_the_metrics_without_a_token(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert response.headers["Cache-Control"] == "no-store"
    assert "affiliate_http_request_duration_seconds" in response.get_data(as_text=True)


def test_elsewhere_the_token_is_needed_and_a_wrong_one_is_401(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    missing = client.get("/metrics", environ_base=ELSEWHERE)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"affiliate_" not in missing.data
    wrong = client.get("/metrics", environ_base=ELSEWHERE, headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    wrong_from_loopback = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong_from_loopback.status_code == 401
    right = client.get("/metrics", environ_base=ELSEWHERE, headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200


def test_a_request_relayed_by_a_proxy_on_loopback_needs_the_token(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    assert client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 401


def test_without_a_configured_token_only_loopback_reads(client):
    assert client.get("/metrics", environ_base=ELSEWHERE).status_code == 401
    assert client.get("/metrics", environ_base=ELSEWHERE, headers={"Authorization": "Bearer "}).status_code == 401


def test_clicks_recorded_and_refused_are_counted(client):
    link = make_link(make_membership(make_campaign()).campaign)
    before = scrape(client)

    assert client.get(f"/r/{link.code}", headers={"User-Agent": BROWSER}).status_code == 302
    assert client.get(f"/r/{link.code}", headers={"User-Agent": BROWSER}).status_code == 302
    assert client.get(f"/r/{link.code}", headers={"User-Agent": "Googlebot/2.1"}).status_code == 302
    assert client.get("/r/NoSuchCode123", headers={"User-Agent": BROWSER}).status_code == 404
    assert client.head(f"/r/{link.code}", headers={"User-Agent": BROWSER}).status_code == 302

    after = scrape(client)
    assert moved(before, after, "affiliate_clicks_recorded_total", store="stream") == 2
    assert moved(before, after, "affiliate_clicks_refused_total", reason="robot") == 1
    assert moved(before, after, "affiliate_clicks_refused_total", reason="unknown_code") == 1
    histogram = "affiliate_http_request_duration_seconds_count"
    assert moved(before, after, histogram, endpoint="/r/<code>", method="GET", status="3xx") == 3
    assert moved(before, after, histogram, endpoint="/r/<code>", method="GET", status="4xx") == 1
    assert moved(before, after, histogram, endpoint="/r/<code>", method="HEAD", status="3xx") == 1
    assert value(after, "affiliate_click_buffer_clicks", buffer="stream") == 2


def test_requests_are_labelled_by_rule_never_by_raw_path(client):
    before = scrape(client)
    client.get("/health")
    client.get("/no/such/page/4815162342")
    client.delete("/health")
    business.forget()
    response = client.get("/metrics")
    after = parse(response.get_data(as_text=True))
    histogram = "affiliate_http_request_duration_seconds_count"
    assert moved(before, after, histogram, endpoint="/health", method="GET", status="2xx") == 1
    assert moved(before, after, histogram, endpoint="<unmatched>", method="GET", status="4xx") == 1
    assert moved(before, after, histogram, endpoint="<unmatched>", method="DELETE", status="4xx") == 1
    assert "4815162342" not in response.get_data(as_text=True)
    assert value(after, "affiliate_database_up") == 1
    assert value(after, "affiliate_redis_up") == 1


def test_an_api_conversion_and_payout_requests_move_the_business_totals(client):
    merchant, key = make_key()
    _campaign, click = setup_click(merchant)
    before = scrape(client)
    response = client.post("/api/v1/conversions", headers={"Authorization": f"Bearer {key}"},
                           json={"click_id": click.public_id, "order_id": "M-1", "amount": 150_000, "currency": "VND"})
    assert response.status_code == 201
    affiliate = affiliate_with_details()
    earn(affiliate, 300_000)
    admin = make_user("admin")
    request = requests.request_payout(affiliate.id, 200_000, "VND")
    after_request = scrape(client)
    run("approve", request.id, affiliate.id, admin.id)
    run("mark_failed", request.id, affiliate.id, admin.id)
    after = scrape(client)

    assert moved(before, after, "affiliate_conversions", source="api", status="pending") == 1
    assert moved(before, after, "affiliate_revenue_minor_units", currency="VND", status="pending") == 150_000
    assert moved(before, after, "affiliate_commission_minor_units", currency="VND", status="pending") == 15_000
    assert moved(before, after, "affiliate_commission_minor_units", currency="VND", status="approved") == 300_000
    assert moved(before, after_request, "affiliate_payout_requests", status="requested") == 1
    assert value(after, "affiliate_payout_requests", status="requested") == 0
    assert moved(before, after, "affiliate_payout_requests", status="failed") == 1
    assert value(before, "affiliate_payout_requests", status="failed") == 0  # reported before any failure
    assert ("affiliate_payout_requests", (("status", "failed"),)) in before


def test_queues_schedule_and_ledger_state(client, app):
    before = scrape(client)
    assert value(before, "affiliate_rq_workers", queue="default") == 0
    Queue("emails", connection=redis_connection()).enqueue("app.jobs.mail.send_email_job", "a@example.org", "s", "b")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["jobs", "run-due", "--only", "verify-ledger"]).exit_code == 0

    after = scrape(client)
    assert moved(before, after, "affiliate_rq_jobs", queue="emails", state="queued") == 1
    now = time.time()
    last_success = "affiliate_scheduled_job_last_success_timestamp_seconds"
    assert now - 60 < value(after, last_success, name="verify-ledger") <= now
    assert value(after, "affiliate_scheduled_job_interval_seconds", name="verify-ledger") == 86400
    assert value(after, "affiliate_scheduled_job_interval_seconds", name="drain-clicks") == 300
    # Never succeeded yet: counted from when it was first looked for, so it can still become late.
    assert now - 60 < value(after, last_success, name="auto-approve-conversions") <= now
    assert value(after, "affiliate_ledger_verify_differences") == 0
    assert now - 60 < value(after, "affiliate_ledger_verify_last_run_timestamp_seconds") <= now


def test_clicks_waiting_in_the_spool_are_reported_with_their_age(client):
    created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 400))
    spool.write(json.dumps({"created_at": created}))
    samples = scrape(client)
    assert value(samples, "affiliate_click_buffer_clicks", buffer="spool") == 1
    assert 390 < value(samples, "affiliate_click_buffer_oldest_age_seconds", buffer="spool") < 500
    assert value(samples, "affiliate_upload_disk_size_bytes") > value(samples, "affiliate_upload_disk_free_bytes") > 0


def test_the_database_pool_is_reported(client):
    make_campaign()  # the pool has handed out a connection in this process
    samples = scrape(client)
    assert value(samples, "affiliate_db_pool_size") >= 1
    assert value(samples, "affiliate_db_pool_checked_out") >= 0
    assert ("affiliate_db_pool_overflow", ()) in samples
