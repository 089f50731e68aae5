"""Settings: production safety checks, cookie flags, password hashing parameters, env parsing."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import (
    DEFAULT_SECRET_KEY,
    Config,
    ProductionConfig,
    _bool,
    _language,
    _minimums,
    _months,
    config_from_env,
)
from tests.app_helpers import other_app

ROOT = Path(__file__).resolve().parent.parent


def production(app, **settings):
    """A ProductionConfig subclass on the suite's database (and, through other_app, its Redis)."""
    values = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": "",
              "LOG_FILE": "", "SECRET_KEY": "x" * 64}
    values.update(settings)
    return type("Production", (ProductionConfig,), values)


@pytest.mark.parametrize("secret", [DEFAULT_SECRET_KEY, "", None, "short"])
def test_production_refuses_to_start_without_a_real_secret_key(app, secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        with other_app(app, production(app, SECRET_KEY=secret)):
            pass


def test_production_cookies_are_secure_httponly_and_lax(app):
    with other_app(app, production(app)) as prod:
        assert prod.config["SESSION_COOKIE_SECURE"] is True
        assert prod.config["REMEMBER_COOKIE_SECURE"] is True
        response = prod.test_client().get("/auth/sign-in", base_url="https://localhost")
        assert response.status_code == 200
        cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_development_defaults():
    assert Config.SESSION_COOKIE_HTTPONLY is True
    assert Config.SESSION_COOKIE_SAMESITE == "Lax"
    assert Config.REMEMBER_COOKIE_HTTPONLY is True
    assert Config.SESSION_COOKIE_SECURE is False  # development runs on plain http
    assert set(Config.LANGUAGES) == {"vi", "en"}


def test_tests_run_with_csrf_on(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True


def test_argon2_defaults_meet_the_owasp_minimum():
    assert (Config.ARGON2_MEMORY_COST, Config.ARGON2_TIME_COST, Config.ARGON2_PARALLELISM) == (19456, 2, 1)


def test_signin_throttle_defaults():
    assert (Config.SIGNIN_MAX_PER_ACCOUNT_IP, Config.SIGNIN_MAX_PER_IP, Config.SIGNIN_SLOW_AFTER) == (5, 20, 5)
    assert Config.PASSWORD_RESET_MAX_AGE == 3600


@pytest.mark.parametrize(("raw", "expected"), [
    ("VND:50000,USD:1000", {"VND": 50000, "USD": 1000}),
    (" vnd : 50000 , ", {"VND": 50000}),
    ("", {}),
])
def test_payout_minimums_parse(raw, expected):
    assert _minimums(raw) == expected


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("TRUE", True), (" yes ", True), ("on", True),
                                                 ("0", False), ("false", False), ("", False)])
def test_boolean_settings(monkeypatch, value, expected):
    monkeypatch.setenv("SOME_FLAG", value)
    assert _bool("SOME_FLAG") is expected


def test_boolean_setting_default(monkeypatch):
    monkeypatch.delenv("SOME_FLAG", raising=False)
    assert _bool("SOME_FLAG", True) is True


@pytest.mark.parametrize(("env", "expected"), [("production", ProductionConfig), ("development", Config),
                                               ("nonsense", Config)])
def test_config_from_env(monkeypatch, env, expected):
    monkeypatch.setenv("APP_ENV", env)
    assert config_from_env() is expected


def test_a_new_install_speaks_vietnamese_until_told_otherwise(tmp_path):
    # Read at import, so a fresh interpreter without the variable (nor a .env naming it) shows the default.
    env = {key: value for key, value in os.environ.items() if key != "BABEL_DEFAULT_LOCALE"}
    env["PYTHONPATH"] = str(ROOT)
    code = "import dotenv; dotenv.load_dotenv = lambda *a, **k: None; from app.config import Config; " \
           "print(Config.BABEL_DEFAULT_LOCALE)"
    found = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
                           check=True)
    assert found.stdout.strip() == "vi"


@pytest.mark.parametrize(("raw", "expected"), [("vi", "vi"), ("EN", "en"), (" en ", "en")])
def test_the_default_language_is_one_we_offer(raw, expected):
    assert _language(raw) == expected


@pytest.mark.parametrize("raw", ["fr", "", "vi_VN"])
def test_an_unknown_default_language_stops_the_start(raw):
    with pytest.raises(ValueError, match="BABEL_DEFAULT_LOCALE"):
        _language(raw)


def test_click_retention_defaults():
    assert (Config.CLICK_RETENTION_MONTHS, Config.CLICK_PARTITIONS_AHEAD) == (13, 3)


@pytest.mark.parametrize(("raw", "expected"), [("24", 24), (" 1 ", 1)])
def test_click_retention_months_parse(monkeypatch, raw, expected):
    monkeypatch.setenv("CLICK_RETENTION_MONTHS", raw)
    assert _months("CLICK_RETENTION_MONTHS", 13, least=1) == expected


@pytest.mark.parametrize("raw", ["0", "-3", "1.5", "a year", ""])
def test_a_retention_that_is_not_whole_months_stops_the_start(monkeypatch, raw):
    monkeypatch.setenv("CLICK_RETENTION_MONTHS", raw)
    with pytest.raises(ValueError, match="CLICK_RETENTION_MONTHS must be a whole number of months, at least 1"):
        _months("CLICK_RETENTION_MONTHS", 13, least=1)
