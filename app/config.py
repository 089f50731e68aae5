"""Configuration read from the environment (and a `.env` file, if present)."""
import os
import tempfile
from functools import partial
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

DEFAULT_SECRET_KEY = "dev-only-change-me"
LANGUAGES = ("vi", "en")


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _clock(raw: str) -> str:
    """"9:00" or "09:00" → "09:00"; anything else stops the start with a clear message."""
    hours, _, minutes = raw.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise ValueError(f"a time of day such as 09:00 is expected, not {raw!r}")
    return f"{int(hours):02d}:{int(minutes):02d}"


def _language(raw: str) -> str:
    """The language of people the app knows nothing about yet; one of LANGUAGES, else the start stops."""
    code = raw.strip().lower()
    if code not in LANGUAGES:
        raise ValueError(f"BABEL_DEFAULT_LOCALE must be one of {', '.join(LANGUAGES)}, not {raw!r}")
    return code


def _whole(name: str, default: int, least: int = 0, unit: str = "") -> int:
    """A whole number (of `unit`, if given) from the environment, at least `least`; anything else stops the start."""
    raw = os.environ.get(name, str(default)).strip()
    if not raw.isdigit() or int(raw) < least:
        what = f"a whole number of {unit}" if unit else "a whole number"
        raise ValueError(f"{name} must be {what}, at least {least}, not {raw!r}")
    return int(raw)


_months = partial(_whole, unit="months")


def _seconds(name: str, default: float) -> float:
    """A number of seconds, 0 or more, from the environment; anything else stops the start."""
    raw = os.environ.get(name, str(default)).strip()
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{name} must be a number of seconds (0 or more), not {raw!r}")
    return value


def _codes(raw: str) -> tuple[str, ...]:
    """`USD,EUR` → ("USD", "EUR")."""
    return tuple(code.strip().upper() for code in raw.split(",") if code.strip())


def _minimums(raw: str) -> dict[str, int]:
    """Parse `VND:50000,USD:1000` (minor units) into a dict."""
    result = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        code, _, amount = part.partition(":")
        result[code.strip().upper()] = int(amount)
    return result


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    # Earlier SECRET_KEYs, comma-separated, while rotating: their sessions and sealed two-factor keys still open.
    SECRET_KEY_FALLBACKS = [key.strip() for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if key.strip()]
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'affiliate.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RQ_ASYNC = True
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    # How many reverse proxies sit in front of the app; their X-Forwarded-* headers are then trusted
    # for the client's address and scheme (throttling, cookies' Secure flag). 0 trusts none.
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", 0))

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024

    # Passwords (argon2id, OWASP/ASVS minimum: 19 MiB, 2 passes, 1 lane)
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", 2))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", 19 * 1024))
    ARGON2_PARALLELISM = 1

    # Sign-in throttling: failures counted over a sliding window
    SIGNIN_WINDOW_SECONDS = int(os.environ.get("SIGNIN_WINDOW_SECONDS", 15 * 60))
    # Failures of one address on one account, and of one address on any accounts, before it is refused.
    SIGNIN_MAX_PER_ACCOUNT_IP = int(os.environ.get("SIGNIN_MAX_PER_ACCOUNT_IP", 5))
    SIGNIN_MAX_PER_IP = int(os.environ.get("SIGNIN_MAX_PER_IP", 20))
    # Failures of an account (from anywhere) before the addresses that failed on it must wait between
    # tries (1 s, doubling with each further failure, up to the maximum); the owner is emailed at ALERT_AFTER.
    SIGNIN_SLOW_AFTER = int(os.environ.get("SIGNIN_SLOW_AFTER", 5))
    SIGNIN_MAX_DELAY_SECONDS = int(os.environ.get("SIGNIN_MAX_DELAY_SECONDS", 5 * 60))
    SIGNIN_ALERT_AFTER = int(os.environ.get("SIGNIN_ALERT_AFTER", 20))

    # Request rate limits (Flask-Limiter notation), counted in Redis or, without it, per process.
    RATE_LIMITS = {name: os.environ.get(f"RATE_LIMIT_{name.upper()}", default) for name, default in (
        ("sign_in", "10 per minute; 100 per hour"),
        ("sign_up", "5 per minute; 20 per hour"),
        ("forgot_password", "5 per minute; 20 per hour"),
        ("pixel", "120 per minute"),
        ("postback", "300 per minute"),
        ("api", "600 per minute"),  # per API key
        ("api_per_ip", "1200 per minute"),  # per address, whatever key it sends
        ("graphql", "300 per minute; 5000 per hour"),  # per API key (a signed-in browser: per person)
        ("graphql_per_ip", "1200 per minute"),  # per address, whatever key it sends
    )}
    # GraphQL: how deep a query may nest and how many points it may cost (a list multiplies what is
    # below it by its page size). The schema explorer (GraphiQL) and introspection are for development.
    GRAPHQL_MAX_DEPTH = int(os.environ.get("GRAPHQL_MAX_DEPTH", 10))
    GRAPHQL_MAX_COST = int(os.environ.get("GRAPHQL_MAX_COST", 20000))
    GRAPHQL_EXPLORER = _bool("GRAPHQL_EXPLORER", True)
    # Strict-Transport-Security in production over HTTPS (0 leaves it out).
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 365 * 24 * 3600))
    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", 60 * 60))
    # Two-factor sign-in: admins must turn it on before anything else; the name authenticator apps
    # show for the account; seconds between the password and the code before the sign-in starts over.
    REQUIRE_2FA_FOR_ADMINS = _bool("REQUIRE_2FA_FOR_ADMINS", False)
    TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "Affiliate program")
    TWO_FACTOR_PENDING_SECONDS = 5 * 60
    # Days an invitation's sign-up link works.
    INVITATION_MAX_DAYS = int(os.environ.get("INVITATION_MAX_DAYS", 7))
    # Seconds the link that confirms a new sign-in email stays valid.
    EMAIL_CHANGE_MAX_AGE = int(os.environ.get("EMAIL_CHANGE_MAX_AGE", 24 * 60 * 60))

    # Mail: without MAIL_SERVER messages are written to the log
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 587))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "affiliates@localhost")

    # Languages and money
    LANGUAGES = LANGUAGES
    # The language of a visitor whose browser asks for none we offer, and of an account that has not
    # saved one yet (their emails too). Most people here read Vietnamese, so a new install speaks it.
    BABEL_DEFAULT_LOCALE = _language(os.environ.get("BABEL_DEFAULT_LOCALE", "vi"))
    BABEL_DEFAULT_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE", "Asia/Ho_Chi_Minh")
    DEFAULT_CURRENCY = os.environ.get("DEFAULT_CURRENCY", "VND")
    PAYOUT_MINIMUMS = _minimums(os.environ.get("PAYOUT_MINIMUMS", "VND:50000,USD:1000,EUR:1000"))

    # Logging
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    LOG_FILE = os.environ.get("LOG_FILE", "")
    LOG_JSON = _bool("LOG_JSON", False)

    # Uploaded payment proofs live outside the web root
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(BASE_DIR / "instance" / "uploads"))

    # Paying affiliates through Stripe Connect; without an API key every payout is paid by hand
    STRIPE_API_KEY = os.environ.get("STRIPE_API_KEY", "")
    STRIPE_CONNECT_WEBHOOK_SECRET = os.environ.get("STRIPE_CONNECT_WEBHOOK_SECRET", "")
    STRIPE_PLATFORM_COUNTRY = os.environ.get("STRIPE_PLATFORM_COUNTRY", "US").strip().upper()
    STRIPE_PAYOUT_CURRENCIES = _codes(os.environ.get("STRIPE_PAYOUT_CURRENCIES", "USD"))
    STRIPE_PAYOUT_TIME = _clock(os.environ.get("STRIPE_PAYOUT_TIME", "09:00"))
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "https://api.stripe.com").rstrip("/")
    # Where Stripe's hosted onboarding and Express dashboard live: the payout details page's forms lead there
    STRIPE_HOSTED_ORIGIN = os.environ.get("STRIPE_HOSTED_ORIGIN", "https://connect.stripe.com").rstrip("/")
    STRIPE_RUN_STALE_SECONDS = int(os.environ.get("STRIPE_RUN_STALE_SECONDS", 600))
    STRIPE_TIMEOUT = 30.0  # seconds Stripe gets to answer one call
    STRIPE_RETRIES = 4  # tries of one transfer within a run before it waits for the next run
    STRIPE_RETRY_DELAY = 1.0  # seconds before the second try, doubling after that
    STRIPE_RUN_TIMEOUT = 6 * 3600  # seconds a worker lets one run last
    # Payouts a run sends at once (Stripe allows 100 requests a second in live mode, 25 in test mode).
    STRIPE_RUN_CONCURRENCY = int(os.environ.get("STRIPE_RUN_CONCURRENCY", 8))

    # Outbound webhooks: seconds an endpoint gets to answer, hours a delivery is retried, failed attempts in
    # a row that disable an endpoint, and whether private/loopback hosts may receive them (a shop on the
    # same network; link-local addresses stay refused)
    WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", 10))
    WEBHOOK_RETRY_HOURS = int(os.environ.get("WEBHOOK_RETRY_HOURS", 24))
    WEBHOOK_DISABLE_AFTER = int(os.environ.get("WEBHOOK_DISABLE_AFTER", 15))
    WEBHOOK_ALLOW_PRIVATE_HOSTS = _bool("WEBHOOK_ALLOW_PRIVATE_HOSTS")

    # Click path: the Redis stream clicks wait in, and where they wait on disk when neither Redis
    # nor the database takes them (empty: instance/spool)
    CLICK_STREAM = os.environ.get("CLICK_STREAM", "clicks")
    # Each web process holds every link; with Redis it reloads them when a change is published, without
    # Redis (or while it is down) every this many seconds
    CLICK_LINK_CACHE_SECONDS = int(os.environ.get("CLICK_LINK_CACHE_SECONDS", 60))
    # Analytics: cache rollup reads in Redis; compute every figure from raw rows instead of the rollup
    # (slow at any size: for checking the rollup and for the benchmark's baseline)
    ANALYTICS_CACHE = _bool("ANALYTICS_CACHE", True)
    ANALYTICS_FROM_RAW = _bool("ANALYTICS_FROM_RAW", False)
    # Clicks not yet rolled up are counted again at most this often per scope in each web process
    # (seconds; 0: on every page): figures may miss the last few seconds of clicks, no more.
    ANALYTICS_LIVE_SECONDS = _seconds("ANALYTICS_LIVE_SECONDS", 5.0)
    CLICK_SPOOL_DIR = os.environ.get("CLICK_SPOOL_DIR", "")
    # "require": in production, refuse to start on a Redis that would forget buffered clicks on a
    # restart (no append-only file synced at least every second); "accept-loss": run anyway.
    CLICK_BUFFER_DURABILITY = os.environ.get("CLICK_BUFFER_DURABILITY", "require")
    # Raw clicks are kept this many whole months before the current one; older months are dropped
    # (daily, and by `flask tracking prune`) once the analytics rollups hold their figures.
    CLICK_RETENTION_MONTHS = _months("CLICK_RETENTION_MONTHS", 13, least=1)
    # Postgres: monthly partitions of the clicks table are made this many months ahead.
    CLICK_PARTITIONS_AHEAD = _months("CLICK_PARTITIONS_AHEAD", 3, least=1)

    # Monitoring: who may read /metrics besides loopback, where the worker and the drain answer
    # Prometheus (empty: nowhere), and Sentry
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    WORKER_METRICS_ADDRESS = os.environ.get("WORKER_METRICS_ADDRESS", "127.0.0.1:9102")
    CLICK_DRAIN_METRICS_ADDRESS = os.environ.get("CLICK_DRAIN_METRICS_ADDRESS", "127.0.0.1:9101")
    SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
    SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT", "")
    SENTRY_TRACES_SAMPLE_RATE = float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", 0) or 0)

    # The longest a database statement of a page may run (milliseconds, Postgres; 0: no limit). Tracking
    # routes and writes are not limited.
    PAGE_STATEMENT_TIMEOUT_MS = int(os.environ.get("PAGE_STATEMENT_TIMEOUT_MS", 2000))
    # Pages prepared at once across the web processes of one host (0: no bound), how long a page waits
    # for its turn before a 503 asking to try again, and the folder of slot files they share
    # (app/page_gate.py). Default: half the cores, at least one; each page holds one Postgres backend,
    # so reports never take more than half the CPU from the click path (more pages at once would only
    # share the same cores).
    PAGE_CONCURRENCY = _whole("PAGE_CONCURRENCY", max(1, len(os.sched_getaffinity(0)) // 2)
                              if hasattr(os, "sched_getaffinity") else 1)
    PAGE_WAIT_SECONDS = _seconds("PAGE_WAIT_SECONDS", 15.0)
    PAGE_SLOTS_DIR = os.environ.get("PAGE_SLOTS_DIR") or os.path.join(tempfile.gettempdir(), "affiliate-page-slots")

    # `flask backup create` writes here unless told otherwise
    BACKUP_DIR = os.environ.get("BACKUP_DIR", str(BASE_DIR / "instance" / "backups"))


class ProductionConfig(Config):
    ENV_NAME = "production"
    GRAPHQL_EXPLORER = False  # never in production, whatever the environment says
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # No Redis of its own: the suite hands the app an in-memory stand-in or its TEST_REDIS_URL.
    REDIS_URL = ""
    RQ_ASYNC = False
    # Cheap hashes keep the suite fast; production parameters are tested separately.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    LOG_FILE = ""
    # The suite's texts are the English source; tests of other languages ask for them.
    BABEL_DEFAULT_LOCALE = "en"
    PUBLIC_BASE_URL = "http://localhost"
    GRAPHQL_EXPLORER = False
    UPLOAD_DIR = ""
    # The gate's slot files would be shared by every test run on the machine: its tests turn it on.
    PAGE_CONCURRENCY = 0
    # Tests read their own clicks at once; live_cache's tests turn the wait on.
    ANALYTICS_LIVE_SECONDS = 0.0
    # The suite's Redis (in-memory, or the machine's) keeps no append-only file; tests of the check set "require".
    CLICK_BUFFER_DURABILITY = "accept-loss"
    # Never a real Stripe account from a developer's .env: tests point the app at the stand-in themselves.
    STRIPE_API_KEY = ""
    STRIPE_CONNECT_WEBHOOK_SECRET = ""
    STRIPE_PAYOUT_CURRENCIES = ("USD",)
    STRIPE_PLATFORM_COUNTRY = "US"
    STRIPE_PAYOUT_TIME = "09:00"
    STRIPE_RUN_CONCURRENCY = 1  # tests that send in parallel say so
    # Tests never report to a real Sentry or listen on the metrics ports of a running app.
    SENTRY_DSN = ""
    METRICS_TOKEN = ""
    WORKER_METRICS_ADDRESS = ""
    CLICK_DRAIN_METRICS_ADDRESS = ""


CONFIGS = {"development": Config, "production": ProductionConfig, "testing": TestConfig}


def config_from_env():
    return CONFIGS.get(os.environ.get("APP_ENV", "development"), Config)
