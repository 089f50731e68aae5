"""Logging: one line per request with its id, JSON when asked, and never a password."""
import json
import re
from contextlib import contextmanager

from loguru import logger

from app.config import TestConfig
from tests.app_helpers import other_app
from tests.factories import make_user
from tests.routes.csrf import post_form

REQUEST_LINE = re.compile(r"^(GET|POST|HEAD) (\S+) (\d{3}) (\d+\.\d)ms$")


@contextmanager
def captured_logs():
    """Every record logged while the block runs, as loguru record dicts."""
    records = []
    handler = logger.add(lambda message: records.append(message.record), level="DEBUG")
    try:
        yield records
    finally:
        logger.remove(handler)


def request_lines(records):
    return [r for r in records if REQUEST_LINE.match(r["message"])]


def test_one_line_per_request_with_method_path_status_duration_and_id(client):
    with captured_logs() as records:
        response = client.get("/track/health?secret=abc")
        client.get("/no/such/page")
    lines = request_lines(records)
    assert len(lines) == 2
    method, path, status, _ = REQUEST_LINE.match(lines[0]["message"]).groups()
    assert (method, path, status) == ("GET", "/track/health", "200")
    assert lines[0]["extra"]["request_id"] == response.headers["X-Request-ID"]
    assert REQUEST_LINE.match(lines[1]["message"]).group(3) == "404"
    assert lines[0]["extra"]["request_id"] != lines[1]["extra"]["request_id"]
    assert not any("abc" in r["message"] for r in records)


def test_lines_logged_inside_a_request_carry_its_id(client):
    make_user(email="a@example.com")
    with captured_logs() as records:
        response = post_form(client, "/auth/sign-in", {"email": "a@example.com", "password": "wrong password"})
    request_id = response.headers["X-Request-ID"]
    failure = next(r for r in records if r["message"].startswith("sign-in failed"))
    assert failure["extra"]["request_id"] == request_id
    assert request_lines([r for r in records if r["extra"]["request_id"] == request_id])


def test_incoming_request_id_is_kept_when_sane(client):
    with captured_logs() as records:
        kept = client.get("/track/health", headers={"X-Request-ID": "lb-1234"})
        replaced = client.get("/track/health", headers={"X-Request-ID": "x" * 65})
    assert kept.headers["X-Request-ID"] == "lb-1234"
    assert replaced.headers["X-Request-ID"] != "x" * 65 and len(replaced.headers["X-Request-ID"]) == 32
    assert [r["extra"]["request_id"] for r in request_lines(records)] == ["lb-1234", replaced.headers["X-Request-ID"]]


def test_json_lines_when_log_json_is_set(app, tmp_path):
    log_file = tmp_path / "app.log"
    config = type("JsonLogs", (TestConfig,), {"LOG_JSON": True, "LOG_FILE": str(log_file),
                                              "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with other_app(app, config) as json_app:
        response = json_app.test_client().get("/track/health")
        logger.complete()
    lines = log_file.read_text().splitlines()
    assert lines
    entries = [json.loads(line) for line in lines]  # every line is a JSON object
    request = next(e["record"] for e in entries if e["record"]["message"].startswith("GET /track/health 200"))
    assert request["extra"]["request_id"] == response.headers["X-Request-ID"]
    assert request["level"]["name"] == "INFO"


def test_passwords_never_reach_the_log(client, outbox):
    secret_one, secret_two, secret_three = "Pa55word-sign-up", "Pa55word-wrong-guess", "Pa55word-new-one"
    with captured_logs() as records:
        post_form(client, "/auth/sign-up", {"role": "affiliate", "name": "Lan", "email": "lan@example.com",
                                            "password": secret_one, "confirm": secret_one},
                  token_url="/auth/sign-up")
        post_form(client, "/auth/sign-out", token_url="/home/affiliate")
        post_form(client, "/auth/sign-in", {"email": "lan@example.com", "password": secret_two})
        post_form(client, "/auth/sign-in", {"email": "lan@example.com", "password": secret_one})
        post_form(client, "/settings/password", {"password-current_password": secret_one,
                                                 "password-password": secret_three,
                                                 "password-confirm": secret_three}, token_url="/settings")
        # Bad input that fails validation is not logged with its values either.
        post_form(client, "/auth/sign-up", {"role": "merchant", "email": "bad", "password": secret_two},
                  token_url="/auth/sign-up")
    text = "\n".join(str(r["message"]) + json.dumps(r["extra"], default=str) for r in records)
    assert "account created" in text and "sign-in failed" in text  # the flow did run and log
    for secret in (secret_one, secret_two, secret_three):
        assert secret not in text


def test_password_reset_token_is_not_logged_outside_the_mail(client, outbox):
    make_user(email="a@example.com")
    with captured_logs() as records:
        post_form(client, "/auth/forgot", {"email": "a@example.com"}, token_url="/auth/forgot")
    token = re.search(r"/auth/reset/(\S+)", outbox[-1]["body"]).group(1)
    request_log = [r for r in records if not r["message"].startswith("email (no SMTP configured)")]
    assert request_log and not any(token in r["message"] for r in request_log)
