"""What an error report may contain once scrubbed."""
import json

from app.services.monitoring.sentry import FILTERED, scrub_event


def test_scrub_removes_bodies_cookies_credentials_emails_and_payout_details():
    event = {
        "request": {
            "url": "https://aff.example/api/v1/stripe/webhook/AbCdEf123456", "method": "POST",
            "data": {"password": "hunter2hunter2"}, "cookies": {"session": "abc"},
            "headers": {"Authorization": "Bearer ak_live_abcdefghijklmnop", "Cookie": "session=abc",
                        "Stripe-Signature": "t=1,v1=ff", "User-Agent": "Mozilla/5.0", "X-Api-Key": "k"},
            "query_string": "token=PostbackTok123&order_id=1001&customer_email=buyer%40example.org",
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "user": {"id": 7, "email": "aff@example.org", "ip_address": "203.0.113.9"},
        "exception": {"values": [{"type": "ValueError", "value": "no match for buyer@example.org with ak_live_XyZ123",
                                  "stacktrace": {"frames": [{"vars": {
                                      "details": {"bank_account": "0123456789", "account_name": "NGUYEN VAN A"},
                                      "raw_key": "ak_live_abcdefghijklmnop", "amount": "150000",
                                      "payload": {"customer_email": "buyer@example.org", "order_id": "1001"},
                                      "signing_secret": "whsec_abc123"}}]}}]},
        "breadcrumbs": {"values": [{"message": "mail sent to aff@example.org", "category": "log"}]},
        "extra": {"rq-job": {"job_id": "j1", "func": "app.jobs.mail.send_email_job", "queue": "emails",
                             "args": ["aff@example.org", "Subject", "Body with 0123456789"], "kwargs": {},
                             "description": "send_email_job('aff@example.org', ...)"}},
    }
    scrubbed = scrub_event(event)
    text = json.dumps(scrubbed)
    for secret in ("hunter2hunter2", "ak_live_abcdefghijklmnop", "ak_live_XyZ123", "buyer@example.org",
                   "aff@example.org", "0123456789", "NGUYEN VAN A", "PostbackTok123", "AbCdEf123456",
                   "whsec_abc123", "session=abc", "203.0.113.9", "t=1,v1=ff"):
        assert secret not in text, secret
    request = scrubbed["request"]
    assert "data" not in request and "cookies" not in request and "env" not in request
    assert request["headers"]["Authorization"] == FILTERED and request["headers"]["User-Agent"] == "Mozilla/5.0"
    assert "order_id=1001" in request["query_string"]
    assert scrubbed["user"] == {"id": 7}
    assert scrubbed["extra"]["rq-job"] == {"job_id": "j1", "func": "app.jobs.mail.send_email_job", "queue": "emails"}
    assert scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"]["amount"] == "150000"
