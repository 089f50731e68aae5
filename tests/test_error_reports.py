"""Sentry: an error in a view and in a job is reported, and nothing secret is in the report."""
import json

import fakeredis
import pytest
import sentry_sdk
from rq import Queue, SimpleWorker
from sentry_sdk.transport import Transport

from app.services.common import mail
from app.services.monitoring.sentry import init_sentry
from tests.app_helpers import other_app
from tests.conftest import SuiteConfig

API_KEY = "ak_live_Q2hhbmdlTWVJZllvdVNlZVRoaXNLZXlOb3dQbGVhc2U"
EMAIL = "nguyen.van.a@example.org"
BANK_ACCOUNT = "0071000123456"
PASSWORD = "correct horse battery staple"


class CapturingTransport(Transport):
    """Keeps every event Sentry would send, instead of sending it."""

    def __init__(self, options=None):
        super().__init__(options)
        self.events = []

    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type == "event":
                self.events.append(item.payload.json)

    def flush(self, timeout, callback=None):
        pass

    def kill(self):
        pass


@pytest.fixture
def reported(base_app):
    """An app reporting to Sentry through the capturing transport; yields (app, transport)."""
    transport = CapturingTransport()

    class ReportingConfig(SuiteConfig):
        SENTRY_DSN = "https://public@sentry.invalid/1"
        SENTRY_TRANSPORT = transport
        SENTRY_ENVIRONMENT = "staging"
        WTF_CSRF_ENABLED = False

    with other_app(base_app, ReportingConfig) as app:
        yield app, transport
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: reporting off again for the rest of the suite


def _assert_nothing_secret(event: dict) -> None:
    text = json.dumps(event)
    for secret in (API_KEY, EMAIL, BANK_ACCOUNT, PASSWORD, "session=", "csrf"):
        assert secret not in text, secret


def test_an_error_in_a_view_is_reported_without_secrets(reported, monkeypatch):
    app, transport = reported

    def broken_dashboard(*_args, **_kwargs):
        details = {"bank_account": BANK_ACCOUNT, "account_holder": "NGUYEN VAN A"}  # noqa: F841 (in the frame)
        raw_key = API_KEY  # noqa: F841
        raise RuntimeError(f"could not build the page for {EMAIL}")

    app.add_url_rule("/broken", "broken", broken_dashboard, methods=["POST"])
    client = app.test_client()
    client.set_cookie("session", "session-cookie-value")
    response = client.post("/broken?customer_email=" + EMAIL, data={"password": PASSWORD, "email": EMAIL},
                           headers={"Authorization": f"Bearer {API_KEY}", "X-Api-Key": API_KEY})

    assert response.status_code == 500
    (event,) = transport.events
    assert event["exception"]["values"][0]["type"] == "RuntimeError"
    assert event["environment"] == "staging"
    assert event["request"]["method"] == "POST"
    assert "data" not in event["request"] and "cookies" not in event["request"]
    assert event["request"]["headers"]["Authorization"] == "[Filtered]"
    _assert_nothing_secret(event)


def test_an_error_in_a_job_is_reported_without_its_arguments(reported, monkeypatch):
    app, transport = reported

    def refused(to, subject, body):
        raise ConnectionRefusedError(f"SMTP refused {to}")

    monkeypatch.setattr(mail, "deliver", refused)
    connection = fakeredis.FakeStrictRedis()
    queue = Queue("emails", connection=connection)
    queue.enqueue("app.jobs.mail.send_email_job", EMAIL, "Your payout", f"Paid to account {BANK_ACCOUNT}")
    with app.app_context():
        SimpleWorker([queue], connection=connection).work(burst=True)

    (event,) = transport.events
    assert event["exception"]["values"][-1]["type"] == "ConnectionRefusedError"
    job = event["extra"]["rq-job"]
    assert job["func"] == "app.jobs.mail.send_email_job" and "args" not in job and "kwargs" not in job
    _assert_nothing_secret(event)


def test_without_a_dsn_nothing_is_set_up(app):
    assert app.config["SENTRY_DSN"] == ""
    assert init_sentry(app) is False
