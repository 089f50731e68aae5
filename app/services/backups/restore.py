"""`flask backup restore`: load a backup into an empty database, then prove it matches the manifest.

Order matters: the whole file is read and checked, the target is checked (empty, or --force), the
upload folder is checked for files the backup would overwrite with other content; only then is
anything written. Afterwards the restored database's facts are compared with the manifest and the
ledger is verified against its sources.
"""
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from app.extensions import db
from app.services.backups import archive, postgres, sqlite
from app.services.backups.errors import RestoreRefused, RestoreVerificationFailed
from app.services.backups.facts import compare, facts_of_url
from app.services.ledger import verify


@dataclass
class Restored:
    manifest: dict
    files_written: int
    ledger_summary: str
    problems: list[str] = field(default_factory=list)


def engine_kind(url: str) -> str:
    try:
        return make_url(url).get_backend_name()
    except ArgumentError as exc:
        raise RestoreRefused(f"not a database URL: {exc}") from exc


def restore_backup(path: str, into_url: str, upload_dir: str | Path, force: bool = False) -> Restored:
    """Restore the backup at `path` into the database at `into_url` and its files into `upload_dir`."""
    kind = engine_kind(into_url)
    with tempfile.TemporaryDirectory(prefix="restore-") as scratch:
        opened = archive.open_verified(path, Path(scratch))
        if opened.manifest["engine"] != kind:
            raise RestoreRefused(f"this is a {opened.manifest['engine']} backup; it cannot be restored into a "
                                 f"{kind} database")
        uploads = Path(upload_dir)
        conflicts = _conflicting_files(opened.uploads, uploads)
        if conflicts and not force:
            raise RestoreRefused(f"{len(conflicts)} file(s) in {uploads} differ from the backup's "
                                 f"(first: {conflicts[0]}); use --force to overwrite them")
        if kind == "postgresql":
            _restore_postgres(opened, into_url, force)
        else:
            _restore_sqlite(opened, into_url, force)
        written = _write_uploads(opened.uploads, uploads)
    found = facts_of_url(into_url)
    problems = compare(_expected_facts(opened.manifest), found)
    report = _verify_ledger(into_url)
    problems += [f"ledger verify: {difference}" for difference in report.differences]
    if problems:
        raise RestoreVerificationFailed(problems)
    return Restored(opened.manifest, written, report.summary())


def _restore_postgres(opened, url: str, force: bool) -> None:
    with postgres.target_engine(url) as engine:
        postgres.check_reachable(engine)
        if postgres.user_tables(engine):
            if not force:
                raise RestoreRefused("the target database is not empty; restore into a new database, "
                                     "or use --force to erase it first")
            postgres.wipe(engine)
    postgres.restore(url, str(opened.database))


def _restore_sqlite(opened, url: str, force: bool) -> None:
    target = sqlite.check_target(url)
    if sqlite.user_tables(target) and not force:
        raise RestoreRefused(f"the target database {target} is not empty; restore into a new file, "
                             "or use --force to replace its content")
    sqlite.restore(str(opened.database), target)


def _conflicting_files(files: dict[str, Path], root: Path) -> list[str]:
    conflicts = []
    for name, extracted in files.items():
        existing = root / name
        if existing.exists() and archive.file_digest(existing) != archive.file_digest(extracted):
            conflicts.append(name)
    return conflicts


def _write_uploads(files: dict[str, Path], root: Path) -> int:
    written = 0
    for name, extracted in sorted(files.items()):
        target = root / name
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if target.exists() and archive.file_digest(target) == archive.file_digest(extracted):
            continue
        partial = target.with_name(target.name + ".restoring")
        shutil.copyfile(extracted, partial)
        os.chmod(partial, 0o600)
        os.replace(partial, target)
        written += 1
    return written


def _expected_facts(manifest: dict) -> dict:
    return {key: manifest.get(key) for key in ("schema_revision", "row_counts", "ledger_totals")}


def _verify_ledger(url: str):
    """`flask ledger verify` on the restored database: the app's models bound to a second, bare app."""
    target = Flask("restored-database")
    target.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={"poolclass": NullPool})
    db.init_app(target)
    with target.app_context():
        try:
            return verify.verify()
        finally:
            db.session.remove()
            db.engine.dispose()
