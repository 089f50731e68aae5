"""Reading the audit trail for the admin pages and its CSV export (no writes).

Before/after snapshots may hold secrets (a webhook secret, a bank account number); everything that
leaves this module for people passes through `mask_secrets` first.
"""
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.users import User
from app.services.common.keyset import NEWEST, Cursor, Order, Window, newest_first_batches, window
from app.services.common.lists import within_days
from app.services.common.sql import distinct_values

PER_PAGE = 50
# The log sorts only by time (either way), the order its time index serves.
SORT_COLUMNS = {"created": "created_at"}
EXPORT_BATCH = 500
CSV_COLUMNS = ("time_utc", "actor_email", "action", "object_type", "object_id", "before_json", "after_json", "ip")
HIDDEN = "••••••"
# Audited objects whose id is the user's id: the account itself and its role profiles.
ACCOUNT_OBJECT_TYPES = ("users", "affiliate_profiles", "merchant_profiles")

# Words in a key that mark its value as a secret (hidden whole) or as an account number (last 4 kept).
_SECRET_WORDS = {"password", "passwd", "pwd", "secret", "token", "key", "apikey", "hash", "pin", "cvv", "otp"}
_SECRET_PARTS = ("password", "secret", "token", "apikey")
_NUMBER_WORDS = {"account", "iban", "card", "phone"}
_NOT_A_NUMBER = {"holder", "name", "type", "method"}


def last_four(value) -> str:
    """"••••1234" for an account number; nothing of a value too short to keep four digits of."""
    text = "" if value is None else str(value)
    return "••••" + text[-4:] if len(text) > 6 else "••••"


@lru_cache(maxsize=4096)
def _kind_of_key(key: str) -> str | None:
    lowered = str(key).lower()
    words = set(re.split(r"[^a-z0-9]+", lowered))
    if words & _SECRET_WORDS or any(part in lowered for part in _SECRET_PARTS):
        return "secret"
    if words & _NUMBER_WORDS and not words & _NOT_A_NUMBER:
        return "number"
    return None


def mask_secrets(value):
    """A copy of `value` (dicts and lists, nested) with secret values hidden and account numbers cut."""
    if isinstance(value, dict):
        masked = {}
        for key, item in value.items():
            kind = _kind_of_key(key)
            if kind is None or item in (None, ""):
                masked[key] = mask_secrets(item)
            elif kind == "secret":
                masked[key] = HIDDEN
            else:
                masked[key] = last_four(item) if isinstance(item, str | int) else HIDDEN
        return masked
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    return value


@dataclass
class Change:
    key: str
    before: object
    after: object


def changes(before: dict | None, after: dict | None) -> list[Change]:
    """The keys whose value differs between the snapshots, masked for display."""
    before, after = before or {}, after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [Change("", mask_secrets(before), mask_secrets(after))]
    shown_before, shown_after = mask_secrets(before), mask_secrets(after)
    keys = sorted(set(before) | set(after), key=str)
    return [Change(str(k), shown_before.get(k), shown_after.get(k)) for k in keys
            if k not in before or k not in after or before[k] != after[k]]


@dataclass
class AuditFilters:
    actor: str | None = None  # part of the actor's email
    action: str | None = None  # an exact action, or a prefix ending in "." ("payout.")
    object_type: str | None = None
    object_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _filtered(filters: AuditFilters, tz: str):
    query = select(AuditEvent)
    if filters.actor and filters.actor.strip():
        term = filters.actor.strip().lower()
        query = query.where(AuditEvent.actor_id.in_(
            select(User.id).where(func.lower(User.email).contains(term, autoescape=True))))
    if filters.action:
        if filters.action.endswith("."):
            query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id and filters.object_id.strip():
        query = query.where(AuditEvent.object_id == filters.object_id.strip())
    query = within_days(query, AuditEvent.created_at, filters.date_from, filters.date_to, tz)
    return query


def _newest_first(query):
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def search(filters: AuditFilters, tz: str, cursor: Cursor | None = None, per_page: int = PER_PAGE,
           order: Order = NEWEST) -> Window:
    """The events matching `filters` by time (newest first unless `order` says), 50 a window."""
    return window(AuditEvent, _filtered(filters, tz), cursor, per_page, order=order,
                  options=(selectinload(AuditEvent.actor),))


def actions() -> list[str]:
    return distinct_values(AuditEvent.action)


def action_prefixes(names: list[str]) -> list[str]:
    """"payout." for every family of actions ("payout.approved", "payout.paid", ...)."""
    return sorted({name.split(".", 1)[0] + "." for name in names if "." in name})


def object_types() -> list[str]:
    return distinct_values(AuditEvent.object_type)


def events_about_user(user_id: int, limit: int = 20) -> list[AuditEvent]:
    """What a user did, and what was done to their account, newest first."""
    query = select(AuditEvent).where(or_(
        AuditEvent.actor_id == user_id,
        and_(AuditEvent.object_type.in_(ACCOUNT_OBJECT_TYPES), AuditEvent.object_id == str(user_id)),
    ))
    return list(db.session.scalars(_newest_first(query).options(selectinload(AuditEvent.actor)).limit(limit)))


def _events_in_batches(filters: AuditFilters, tz: str) -> Iterator:
    """The matching events newest first as plain rows (with the actor's email), read in keyset batches.

    Batches rather than one long cursor: memory stays flat and no transaction stays open for the
    length of the download. Plain rows rather than model objects: nothing to track or let go per row.
    """
    base = (_newest_first(_filtered(filters, tz))
            .with_only_columns(AuditEvent.id, AuditEvent.created_at, User.email.label("actor_email"),
                               AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id,
                               AuditEvent.before, AuditEvent.after, AuditEvent.ip)
            .outerjoin(User, User.id == AuditEvent.actor_id))
    for batch in newest_first_batches(base, AuditEvent.created_at, AuditEvent.id, EXPORT_BATCH):
        yield from batch


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell starting with one of these as a formula ("-" alone is only a dash).
    formula = text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and len(text) > 1)
    return "'" + text if formula else text


def _json(value) -> str:
    return "" if value is None else json.dumps(mask_secrets(value), ensure_ascii=False, sort_keys=True, default=str)


def export_csv(filters: AuditFilters, tz: str) -> Iterator[str]:
    """The matching events as CSV text, a chunk at a time, starting with a UTF-8 byte order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    for count, event in enumerate(_events_in_batches(filters, tz), start=1):
        writer.writerow([
            event.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"), _cell(event.actor_email or ""),
            _cell(event.action), _cell(event.object_type), _cell(event.object_id),
            _json(event.before), _json(event.after), _cell(event.ip),
        ])
        if count % 100 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
