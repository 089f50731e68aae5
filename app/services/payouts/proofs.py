"""Payment proof files: checked by their content, stored outside the web root under names we choose.

The client's filename never reaches the disk; it is kept (cleaned) only as the download name. A file
is a PNG, a JPEG or a PDF because its first bytes say so, whatever its name or declared type claims.
"""
import os
import re
import secrets
import unicodedata
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from loguru import logger

from app.services.common.errors import ServiceError

MAX_PROOF_BYTES = 5 * 1024 * 1024
PROOF_FOLDER = "proofs"
# (magic bytes, content type, extension); the extension on disk always comes from here.
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"%PDF-", "application/pdf", ".pdf"),
)
EXTENSIONS = {content_type: ext for _, content_type, ext in SIGNATURES}
_KNOWN_EXTENSIONS = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".pdf": "application/pdf"}
_CHUNK = 64 * 1024
_STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|pdf)$")


class ProofRejected(ServiceError):
    """This file cannot be kept as a payment proof."""
    field = "proof"


class ProofTooLarge(ProofRejected):
    """The proof file is larger than 5 MB."""

    text = _l("The file is larger than 5 MB. Upload a smaller scan or screenshot.")


class ProofWrongType(ProofRejected):
    """The proof must be a PNG or JPEG image or a PDF document."""

    text = _l("The file must be a PNG or JPEG image or a PDF document.")


class ProofEmpty(ProofRejected):
    """The proof file is empty."""

    text = _l("The file is empty.")


def upload_root() -> Path:
    """The folder uploads live in (config UPLOAD_DIR, else the instance folder's `uploads`)."""
    configured = current_app.config.get("UPLOAD_DIR") or os.path.join(current_app.instance_path, "uploads")
    return Path(configured).resolve()


def private_folder(name: str) -> Path:
    """A folder under the upload root that only this process's user may read."""
    folder = upload_root() / name
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def detect_type(head: bytes) -> str | None:
    """The content type the first bytes of a file announce, or None when it is none we accept."""
    for magic, content_type, _ext in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def clean_filename(name: str | None, content_type: str) -> str:
    """The client's filename made safe to offer as a download name, ending with the real type's extension.

    Only the last path part is kept, control characters and quotes go, the length is bounded.
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C" and ch not in "\"'<>:|?*;")
    base = re.sub(r"\s+", " ", base).strip(" .")
    stem, dot, ext = base.rpartition(".")
    if not dot or f".{ext.lower()}" not in _KNOWN_EXTENSIONS:
        stem = base  # "receipt.2024" keeps its dot; only a known type's extension is replaced
    elif _KNOWN_EXTENSIONS[f".{ext.lower()}"] == content_type:
        return (stem.strip(" .") or "proof")[:120] + f".{ext}"
    return (stem.strip(" .") or "proof")[:120] + EXTENSIONS[content_type]


def _read_limited(stream) -> bytes:
    """Read at most one byte over the limit: enough to know the file is too large, never more."""
    chunks, size = [], 0
    while size <= MAX_PROOF_BYTES:
        chunk = stream.read(min(_CHUNK, MAX_PROOF_BYTES + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def check(stream) -> tuple[bytes, str]:
    """The file's bytes and detected content type, or ProofRejected with a reason for people."""
    data = _read_limited(stream)
    if not data:
        raise ProofEmpty()
    if len(data) > MAX_PROOF_BYTES:
        raise ProofTooLarge()
    content_type = detect_type(data[:16])
    if content_type is None:
        raise ProofWrongType()
    return data, content_type


def store(stream, filename: str | None) -> dict:
    """Check and keep an uploaded proof; returns {path, filename, content_type} for the payout service.

    `path` is relative to the upload root, so the folder can move without touching the database.
    """
    data, content_type = check(stream)
    stored = secrets.token_hex(16) + EXTENSIONS[content_type]
    target = private_folder(PROOF_FOLDER) / stored
    # "x": never overwrite; 0o600: readable by this user only.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    logger.info("payment proof stored as {} ({}, {} bytes)", stored, content_type, len(data))
    return {"path": f"{PROOF_FOLDER}/{stored}", "filename": clean_filename(filename, content_type),
            "content_type": content_type}


def resolve(path: str | None) -> Path | None:
    """The file on disk for a stored `path`, or None when it is missing or not one of ours."""
    if not path:
        return None
    folder, _, name = path.partition("/")
    if folder != PROOF_FOLDER or not _STORED_NAME.match(name):
        return None
    full = (upload_root() / PROOF_FOLDER / name).resolve()
    if full.parent != (upload_root() / PROOF_FOLDER).resolve() or not full.is_file():
        return None
    return full


def discard(proof: dict | None) -> None:
    """Remove a proof stored for an operation that then did not happen."""
    full = resolve(proof.get("path")) if proof else None
    if full is not None:
        full.unlink(missing_ok=True)
        logger.info("unused payment proof {} removed", full.name)
