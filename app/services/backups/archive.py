"""The backup file: a gzip'd tar of `manifest.json`, the database dump and `uploads/…`.

Every member but the manifest has its SHA-256 and size in the manifest. Reading checks the whole
file (gzip's CRC catches truncation and flipped bits, the checksums catch a swapped member) and
extracts into a scratch folder before anyone touches a database or the upload folder.
"""
import hashlib
import io
import json
import os
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from app.services.backups.errors import RestoreRefused

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
UPLOADS = "uploads"
_CHUNK = 1024 * 1024


def file_digest(path: str | Path) -> dict:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def write(path: str, manifest: dict, members: dict[str, str]) -> None:
    """Write the archive: `members` maps a name inside it to a file on disk (already in the manifest)."""
    data = json.dumps(manifest, indent=2, sort_keys=True).encode()
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(manifest["created_at_epoch"]), 0o600
        tar.addfile(info, io.BytesIO(data))
        for name, source in members.items():
            tar.add(source, arcname=name, recursive=False)


@dataclass
class Opened:
    manifest: dict
    database: Path          # the extracted dump
    uploads: dict[str, Path]  # relative path under the upload folder -> extracted file


def open_verified(path: str, scratch: Path) -> Opened:
    """Read and check the whole backup, extracting it into `scratch`; RestoreRefused on any defect."""
    if not os.path.isfile(path):
        raise RestoreRefused(f"there is no backup file at {path}")
    try:
        return _read(path, scratch)
    except RestoreRefused:
        raise
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise RestoreRefused(f"{path} is not a complete backup (truncated or corrupt): {exc}") from exc


def _read(path: str, scratch: Path) -> Opened:
    manifest, found = None, {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            if member.name == MANIFEST and manifest is None:
                manifest = _manifest(tar.extractfile(member).read(), path)
                continue
            if manifest is None:
                raise RestoreRefused(f"{path} does not start with a manifest: not a backup of this app")
            name = _safe_name(member, path)
            expected = manifest["files"].get(name)
            if expected is None:
                raise RestoreRefused(f"{path} holds {name}, which its manifest does not list")
            target = scratch / name
            target.parent.mkdir(parents=True, exist_ok=True)
            digest, size = hashlib.sha256(), 0
            with tar.extractfile(member) as source, open(target, "wb") as out:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            if {"sha256": digest.hexdigest(), "size": size} != expected:
                raise RestoreRefused(f"{name} in {path} does not match its checksum: the backup is damaged")
            found[name] = target
    if manifest is None:
        raise RestoreRefused(f"{path} has no manifest: not a backup of this app")
    missing = sorted(set(manifest["files"]) - set(found))
    if missing:
        raise RestoreRefused(f"{path} lacks {', '.join(missing[:5])}: the backup is incomplete")
    database = DATABASE_MEMBERS[manifest["engine"]]
    if database not in found:
        raise RestoreRefused(f"{path} has no database dump")
    uploads = {name[len(UPLOADS) + 1:]: file for name, file in found.items() if name.startswith(UPLOADS + "/")}
    return Opened(manifest, found[database], uploads)


def _manifest(data: bytes, path: str) -> dict:
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise RestoreRefused(f"the manifest of {path} cannot be read: {exc}") from exc
    if not isinstance(manifest, dict):
        raise RestoreRefused(f"the manifest of {path} is not a JSON object")
    if manifest.get("format") != FORMAT:
        raise RestoreRefused(f"{path} was written in backup format {manifest.get('format')!r}; "
                             f"this version reads format {FORMAT}")
    if manifest.get("engine") not in DATABASE_MEMBERS or not isinstance(manifest.get("files"), dict):
        raise RestoreRefused(f"the manifest of {path} lacks its database engine or file list")
    return manifest


def _safe_name(member: tarfile.TarInfo, path: str) -> str:
    name = member.name
    parts = PurePosixPath(name).parts
    if not member.isfile() or name.startswith("/") or ".." in parts or not parts:
        raise RestoreRefused(f"{path} holds an entry that is not a plain file inside the backup: {name!r}")
    return name
