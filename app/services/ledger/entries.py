"""The append-only ledger: every movement of an affiliate's money is one inserted row.

Nothing here updates or deletes an entry; a mistake is corrected by a reversing entry.
"""
from datetime import datetime

from loguru import logger

from app.extensions import db
from app.models.common import utcnow
from app.models.money import LEDGER_KINDS, LedgerEntry
from app.services.common.sql import insert_ignoring_duplicates


def append(affiliate_id: int, currency: str, amount: int, kind: str, idempotency_key: str,
           conversion_id: int | None = None, payout_request_id: int | None = None,
           available_at: datetime | None = None, memo: str | None = None, memo_code: str | None = None,
           memo_params: dict | None = None) -> LedgerEntry | None:
    """Insert one entry in the caller's transaction (the caller commits).

    Returns the new entry, or None when nothing was written: a zero amount moves no money, and an
    `idempotency_key` already present means this movement was recorded before. The unique key is
    checked by the database (`ON CONFLICT DO NOTHING`), so a repeat never aborts the transaction
    and two concurrent writers cannot both add the same movement. `memo_code` and `memo_params`
    say what the movement is about (see `app/memos.py`), worded for each reader when shown.
    """
    if kind not in LEDGER_KINDS:
        raise ValueError(f"unknown ledger kind {kind!r}")
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError("ledger amounts are integers in minor units")
    if amount == 0:
        return None
    now = utcnow()
    values = dict(affiliate_id=affiliate_id, currency=currency, amount=amount, kind=kind,
                  idempotency_key=idempotency_key, conversion_id=conversion_id,
                  payout_request_id=payout_request_id, available_at=available_at or now, memo=memo,
                  memo_code=memo_code, memo_params=memo_params, created_at=now)
    stmt = insert_ignoring_duplicates(LedgerEntry, ["idempotency_key"]).values(**values).returning(LedgerEntry.id)
    entry_id = db.session.execute(stmt).scalar()
    if entry_id is None:
        logger.info("ledger entry {} already recorded; not written again", idempotency_key)
        return None
    return db.session.get(LedgerEntry, entry_id)
