"""Money Stripe sends from an affiliate's Stripe balance to their bank, as `payout.paid` / `payout.failed` report it.

These are Stripe's payouts on the connected account (on its own schedule), not our payout requests: one
may carry several of our transfers. The affiliate sees them as "arrived at your bank" or "your bank
refused it". A payout can fail after it was reported paid; events are applied in the order Stripe
created them, and at the same second a failure wins.
"""
from datetime import UTC, datetime

from sqlalchemy import select

from app.extensions import db
from app.models.stripe_connect import StripeAccount, StripeBankPayout
from app.money import from_stripe_units

SHOWN = 10


def record(account: StripeAccount, payout: dict, event_created: int) -> tuple[StripeBankPayout | None, bool]:
    """Store the payout's news (no commit); returns (row, whether it has just failed)."""
    payout_id = str(payout.get("id") or "")
    currency = str(payout.get("currency") or "").upper()
    amount = from_stripe_units(payout.get("amount"), currency) if len(currency) == 3 else None
    status = str(payout.get("status") or "")
    if not payout_id or amount is None or not status:
        return None, False
    row = db.session.scalar(select(StripeBankPayout).where(StripeBankPayout.payout_id == payout_id).with_for_update())
    if row is None:
        row = StripeBankPayout(payout_id=payout_id, account_id=account.account_id, user_id=account.user_id,
                               created=int(payout.get("created") or event_created), event_created=-1)
        db.session.add(row)
    newer = event_created > row.event_created or (event_created == row.event_created and status == "failed")
    if not newer:
        return row, False
    was_failed = row.status == "failed"
    row.amount, row.currency, row.status, row.event_created = amount, currency, status, event_created
    arrival = payout.get("arrival_date")
    row.arrival_date = datetime.fromtimestamp(arrival, UTC).date() if isinstance(arrival, int) else None
    row.failure_code = payout.get("failure_code")
    row.failure_message = payout.get("failure_message")
    return row, status == "failed" and not was_failed


def recent(user_id: int, limit: int = SHOWN) -> list[StripeBankPayout]:
    return list(db.session.scalars(select(StripeBankPayout).where(StripeBankPayout.user_id == user_id)
                                   .order_by(StripeBankPayout.created.desc(), StripeBankPayout.id.desc())
                                   .limit(limit)))
