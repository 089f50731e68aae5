"""`flask backup create`: one file holding a consistent database dump, the uploads and a manifest."""
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from app.extensions import db
from app.services.backups import archive, postgres, sqlite
from app.services.backups.errors import BackupError

NAME_PREFIX = "affiliate-backup-"
NAME_PATTERN = re.compile(r"^affiliate-backup-\d{8}T\d{6}Z\.tar\.gz$")


@dataclass
class Created:
    path: str
    manifest: dict
    removed: list[str] = field(default_factory=list)


def create_backup(to_dir: str, upload_dir: str | Path, keep: int | None = None) -> Created:
    """Back up the app's database and `upload_dir` into a new file in `to_dir`.

    With `keep`, only the newest `keep` backups of this app in `to_dir` are kept afterwards (other
    files there are never touched). The file appears under its final name only once complete.
    """
    engine = db.engine
    kind = engine.dialect.name
    if kind not in archive.DATABASE_MEMBERS:
        raise BackupError(f"backups of {kind} databases are not supported")
    os.makedirs(to_dir, mode=0o700, exist_ok=True)
    now = datetime.now(UTC).replace(microsecond=0)
    final = os.path.join(to_dir, f"{NAME_PREFIX}{now:%Y%m%dT%H%M%SZ}.tar.gz")
    if os.path.exists(final):
        raise BackupError(f"{final} already exists; wait a second and try again")
    with tempfile.TemporaryDirectory(prefix="backup-", dir=to_dir) as scratch:
        dump_name = archive.DATABASE_MEMBERS[kind]
        dump_path = os.path.join(scratch, dump_name)
        url = engine.url.render_as_string(hide_password=False)
        if kind == "postgresql":
            facts = postgres.dump(engine, url, dump_path)
            tool = postgres.tool_version("pg_dump")
        else:
            facts = sqlite.dump(engine, dump_path)
            tool = f"sqlite {sqlite3.sqlite_version}"
        # Files are copied after the snapshot: every proof a dumped row points to is already on disk.
        members = {dump_name: dump_path, **_upload_members(Path(upload_dir))}
        manifest = {
            "format": archive.FORMAT, "created_at": now.isoformat().replace("+00:00", "Z"),
            "created_at_epoch": int(now.timestamp()), "engine": kind, "dump_tool": tool, **facts,
            "files": {name: archive.file_digest(source) for name, source in members.items()},
        }
        partial = final + ".partial"
        try:
            archive.write(partial, manifest, members)
            os.chmod(partial, 0o600)
            os.replace(partial, final)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
    removed = prune(to_dir, keep) if keep else []
    return Created(final, manifest, removed)


def _upload_members(root: Path) -> dict[str, str]:
    if not root.is_dir():
        return {}
    members = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            members[f"{archive.UPLOADS}/{path.relative_to(root).as_posix()}"] = str(path)
    return members


def prune(to_dir: str, keep: int) -> list[str]:
    """Delete this app's backups in `to_dir` beyond the newest `keep`; returns the deleted paths."""
    names = sorted((n for n in os.listdir(to_dir) if NAME_PATTERN.match(n)), reverse=True)
    removed = []
    for name in names[keep:]:
        path = os.path.join(to_dir, name)
        os.unlink(path)
        removed.append(path)
    return removed
