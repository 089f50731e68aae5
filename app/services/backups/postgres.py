"""Postgres: `pg_dump` in custom format inside an exported snapshot, `pg_restore` in one transaction.

The manifest's facts are read in the same REPEATABLE READ transaction whose snapshot pg_dump uses,
so they describe exactly the dumped data even while the app keeps writing.
"""
import os
import subprocess
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.services.backups.errors import BackupError, RestoreRefused
from app.services.backups.facts import read_facts

# Keywords of the SQLAlchemy URL that libpq also understands (host may name a socket folder).
_LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name", "host")


def libpq_target(url: str) -> tuple[str, dict]:
    """A libpq connection string for `url` and the environment carrying its password (never on a command line)."""
    parsed = make_url(url)
    parts = {key: value for key, value in parsed.query.items() if key in _LIBPQ_OPTIONS and isinstance(value, str)}
    if parsed.host:
        parts["host"] = parsed.host
    if parsed.port:
        parts["port"] = str(parsed.port)
    if parsed.username:
        parts["user"] = parsed.username
    parts["dbname"] = parsed.database or ""
    conninfo = " ".join(f"{key}='{_quote(value)}'" for key, value in parts.items())
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return conninfo, env


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def tool_version(tool: str = "pg_dump") -> str:
    try:
        return subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BackupError(f"{tool} is needed for Postgres backups and could not be run ({exc}); "
                          "install the PostgreSQL client tools of the server's major version or newer") from exc


def dump(engine, url: str, path: str) -> dict:
    """Write the database to `path` (custom format); returns its facts, read in the same snapshot."""
    tool_version("pg_dump")
    conninfo, env = libpq_target(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
        facts = read_facts(conn)
        # The snapshot stays valid while this transaction is open, so pg_dump runs before it ends.
        result = subprocess.run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}",
                                 f"--dbname={conninfo}"], env=env, capture_output=True, text=True)
        conn.exec_driver_sql("COMMIT")
    if result.returncode:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[-2000:]}")
    return facts


@contextmanager
def target_engine(url: str):
    engine = create_engine(url, poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


def user_tables(engine) -> int:
    """How many tables the database has outside Postgres' own schemas."""
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM information_schema.tables "
                                "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"))


def wipe(engine) -> None:
    """Drop everything in the public schema (restore --force)."""
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def restore(url: str, path: str) -> None:
    """Load a custom-format dump; one transaction, so a failure leaves the database as it was."""
    tool_version("pg_restore")
    conninfo, env = libpq_target(url)
    result = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                             f"--dbname={conninfo}", path], env=env, capture_output=True, text=True)
    if result.returncode:
        raise RestoreRefused(f"pg_restore failed and changed nothing: {result.stderr.strip()[-2000:]}")


def check_reachable(engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise RestoreRefused(f"cannot connect to the target database: {type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else ''}") from exc
