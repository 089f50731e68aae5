"""SQLite: the online backup API copies a consistent snapshot even while the app writes."""
import os
import sqlite3

from sqlalchemy.engine import make_url

from app.services.backups.errors import RestoreRefused
from app.services.backups.facts import facts_of_url


def database_path(url: str) -> str | None:
    """The file behind a SQLite URL, or None for an in-memory database."""
    name = make_url(url).database
    return None if not name or name == ":memory:" else os.path.abspath(name)


def dump(engine, path: str) -> dict:
    """Copy the database to `path`; returns the facts of the copy."""
    raw = engine.raw_connection()
    try:
        target = sqlite3.connect(path)
        try:
            raw.driver_connection.backup(target)
        finally:
            target.close()
    finally:
        raw.close()
    return facts_of_file(path)


def facts_of_file(path: str) -> dict:
    return facts_of_url(f"sqlite:///{path}")


def user_tables(path: str) -> int:
    if not os.path.exists(path):
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                            "AND name NOT LIKE 'sqlite_%'").fetchone()[0]


def check_target(url: str) -> str:
    path = database_path(url)
    if path is None:
        raise RestoreRefused("a SQLite backup restores into a database file (sqlite:////path/to/file.db), "
                             "not an in-memory database")
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise RestoreRefused(f"the folder of the target database does not exist: {folder}")
    return path


def restore(source: str, target: str) -> None:
    """Replace the target's content with the dumped file through the backup API (one locked step)."""
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
    except sqlite3.Error as exc:
        raise RestoreRefused(f"SQLite could not restore into {target}: {exc}") from exc
