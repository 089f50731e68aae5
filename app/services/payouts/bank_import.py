"""Applying the bank's results file in two steps: preview, then confirm.

Between the steps the uploaded bytes wait in the private upload folder under a random name; the
page carries only a signed token naming that file, its hash and the admin who uploaded it. On
confirm the file is parsed and checked again against the requests as they are then, so nothing the
browser sends back is trusted, and each valid row goes through the payout service on its own.
"""
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from loguru import logger

from app.extensions import db
from app.services.common.errors import ServiceError
from app.services.payouts import states
from app.services.payouts.bank_csv import ImportPreview, parse_results
from app.services.payouts.proofs import private_folder
from app.services.payouts.results_file import KINDS, ImportRow

IMPORT_FOLDER = "imports"
TOKEN_MAX_AGE = 60 * 60
# Files of previews never confirmed are removed after a day.
STALE_SECONDS = 24 * 60 * 60
DEFAULT_FAILED_REASON = _l("The bank reported that the transfer failed.")
# The staged file's name carries its kind (csv or xlsx), so the confirm step reads it as the preview did.
_NAME = re.compile(r"^[0-9a-f]{32}\.(csv|xlsx)$")


class ImportTokenInvalid(ServiceError):
    """This preview is no longer valid; upload the file again."""

    text = _l("This preview is no longer valid (expired, already applied or altered). "
              "Upload the file again.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="payout-results-import")


def _remove_stale(folder) -> None:
    cutoff = time.time() - STALE_SECONDS
    for path in folder.glob("*.*"):
        if not _NAME.match(path.name):
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


def stage(data: bytes, actor_id: int, kind: str = "csv") -> str:
    """Keep the uploaded bytes (a file of `kind`, csv or xlsx) until the admin confirms; returns the signed
    token naming them."""
    if kind not in KINDS:
        raise ValueError(f"unknown results file kind {kind!r}")
    folder = private_folder(IMPORT_FOLDER)
    _remove_stale(folder)
    name = f"{secrets.token_hex(16)}.{kind}"
    (folder / name).write_bytes(data)
    (folder / name).chmod(0o600)
    return _serializer().dumps({"f": name, "u": actor_id, "h": hashlib.sha256(data).hexdigest()})


def _path_of(token: str, actor_id: int):
    try:
        payload = _serializer().loads(token or "", max_age=TOKEN_MAX_AGE)
    except (BadSignature, SignatureExpired) as exc:
        raise ImportTokenInvalid() from exc
    if not isinstance(payload, dict) or payload.get("u") != actor_id or not _NAME.match(str(payload.get("f"))):
        raise ImportTokenInvalid()
    return private_folder(IMPORT_FOLDER) / payload["f"], payload.get("h")


def load(token: str, actor_id: int) -> tuple[bytes, str]:
    """The staged bytes the token names and their kind, if it is ours, unexpired, and the file is unchanged."""
    path, digest = _path_of(token, actor_id)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportTokenInvalid() from exc
    if hashlib.sha256(data).hexdigest() != digest:
        raise ImportTokenInvalid()
    return data, path.suffix.lstrip(".")


def discard(token: str, actor_id: int) -> None:
    try:
        path, _digest = _path_of(token, actor_id)
    except ImportTokenInvalid:
        return
    path.unlink(missing_ok=True)


@dataclass
class RowResult:
    row: ImportRow
    applied: bool
    message: object


def _apply_row(row: ImportRow, actor_id: int, ip: str | None, today: date) -> RowResult:
    try:
        if row.status == "paid":
            states.confirm_paid(row.request_id, actor_id, method=row.request.method or "bank_transfer",
                                 transaction_id=row.transaction_id, paid_on=row.paid_on or today,
                                 notes=str(_l("Recorded from the bank's results file.")), ip=ip)
            return RowResult(row, True, _l("Marked paid."))
        states.mark_failed(row.request_id, actor_id, row.reason or str(DEFAULT_FAILED_REASON), ip=ip)
        return RowResult(row, True, _l("Marked failed; the amount is back in the affiliate's balance."))
    except ServiceError as exc:
        db.session.rollback()
        logger.warning("results import row {} ({}) refused: {}", row.line, row.reference, exc)
        return RowResult(row, False, exc.message)


def apply(token: str, actor_id: int, ip: str | None, today: date,
          tz: str = "UTC") -> tuple[ImportPreview, list[RowResult]]:
    """Parse the staged file again and apply its valid rows, each in its own transaction.

    A row that fails does not undo the others. The staged file is removed afterwards, so the same
    preview cannot be applied twice.
    """
    data, kind = load(token, actor_id)
    preview = parse_results(data, today, tz, kind)
    results = [_apply_row(row, actor_id, ip, today) for row in preview.valid]
    discard(token, actor_id)
    logger.info("results import by admin {}: {} applied, {} refused, {} rows with errors", actor_id,
                sum(r.applied for r in results), sum(not r.applied for r in results), len(preview.invalid))
    return preview, results
