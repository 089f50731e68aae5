"""A proof of payment uploaded ahead of the payment it proves, named by a signed id.

A program may upload the proof in one request and confirm the payment in another: the id it gets
back is the stored file's details signed with the app's secret for the admin who uploaded it, so it
cannot be forged, pointed at another file, or used by someone else, and it expires after a day.
"""
from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from app.services.common.errors import ServiceError
from app.services.payouts import proofs

MAX_AGE_SECONDS = 24 * 3600


class InvalidProofFile(ServiceError):
    """This proof file id is unknown, expired or not yours; upload the file again."""

    field = "proof_file_id"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="payment-proof-upload")


def issue(proof: dict, actor_id: int) -> str:
    """The id naming a proof just stored by `actor_id` (from proofs.store)."""
    return _serializer().dumps({"path": proof["path"], "filename": proof.get("filename"),
                                "content_type": proof.get("content_type"), "actor": actor_id})


def redeem(file_id: str, actor_id: int) -> dict:
    """The stored proof an id names, for the admin who uploaded it."""
    try:
        values = _serializer().loads(file_id or "", max_age=MAX_AGE_SECONDS)
    except BadData as exc:
        raise InvalidProofFile() from exc
    if not isinstance(values, dict) or values.get("actor") != actor_id or proofs.resolve(values.get("path")) is None:
        raise InvalidProofFile()
    return {"path": values["path"], "filename": values.get("filename"), "content_type": values.get("content_type")}
