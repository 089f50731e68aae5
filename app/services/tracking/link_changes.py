"""Telling every web process that links changed, so their link snapshots reload (see `link_cache`).

A commit that adds, removes or changes a link, a membership, what a campaign redirects to or whether
it is running, or whether an affiliate is disabled, writes a new random version to one Redis key.
The changes are noticed through SQLAlchemy's session events (flushed objects, and bulk UPDATE and
DELETE statements through the ORM), so every use case that changes these rows is covered without
calling anything; work done with plain SQL calls `changed()` itself. A random value rather than a
counter: a Redis that lost the key (flushed, restored) can never hand out an old version again.
"""
import secrets
import time

from flask import current_app, has_app_context
from loguru import logger
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.models.campaigns import Campaign, Membership
from app.models.tracking import Link
from app.models.users import User
from app.services.tracking import buffer, link_cache

# The columns the click path reads, per model.
WATCHED = {
    Link: ("code", "campaign_id", "affiliate_id", "destination_url", "archived_at"),
    Campaign: ("landing_url", "allowed_hosts", "attribution_days", "status", "starts_on", "ends_on"),
    Membership: ("campaign_id", "affiliate_id", "status"),
    User: ("is_disabled",),
}
# A new campaign or user has no links yet; a new link or membership changes what a click finds.
NEW_MATTERS = (Link, Membership)
RETRY_SECONDS = 5
_FLAG = "links_changed"
_RETRY_KEY = "link_version_retry_at"


def version_key() -> str:
    return f"{buffer.stream_name()}:links:version"


def current_version() -> tuple[bytes | None, bool]:
    """The shared version of the links and True; (None, False) without Redis or while it fails."""
    connection = buffer.click_redis()
    if connection is None:
        return None, False
    extensions = current_app.extensions
    if extensions.get(_RETRY_KEY, 0.0) > time.monotonic():
        return None, False
    try:
        value = connection.get(version_key())
    except Exception as exc:  # the click path goes on without a shared version
        extensions[_RETRY_KEY] = time.monotonic() + RETRY_SECONDS
        logger.warning("link version not read from Redis ({}: {})", type(exc).__name__, exc)
        return None, False
    # No key yet (nothing changed since Redis started empty) is a version too.
    return value or b"-", True


def reset() -> None:
    """Read the version again at the next look, even if Redis failed a moment ago (tests)."""
    current_app.extensions.pop(_RETRY_KEY, None)


def changed() -> None:
    """Links changed: this process reloads at its next click, the others within a second."""
    if not has_app_context():
        return
    link_cache.mark_stale()
    connection = buffer.click_redis()
    if connection is None:
        return
    try:
        connection.set(version_key(), secrets.token_hex(8))
    except Exception as exc:
        logger.warning("links changed but Redis did not take the new version ({}: {}); other processes "
                       "reload within CLICK_LINK_CACHE_SECONDS", type(exc).__name__, exc)


def watch() -> None:
    """Listen to every session's flushes, bulk statements and commits (once per process)."""
    if event.contains(Session, "after_commit", _after_commit):
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _orm_execute)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)


def _after_flush(session, _context) -> None:
    if session.info.get(_FLAG):
        return
    if (any(isinstance(obj, NEW_MATTERS) for obj in session.new)
            or any(type(obj) in WATCHED for obj in session.deleted)
            or any(_columns_changed(obj) for obj in session.dirty)):
        session.info[_FLAG] = True


def _columns_changed(obj) -> bool:
    columns = WATCHED.get(type(obj))
    if not columns:
        return False
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in columns)


def _orm_execute(state) -> None:
    if (state.is_update or state.is_delete) and any(m.class_ in WATCHED for m in state.all_mappers):
        state.session.info[_FLAG] = True


def _after_commit(session) -> None:
    if session.info.pop(_FLAG, False):
        changed()


def _after_rollback(session) -> None:
    session.info.pop(_FLAG, None)
