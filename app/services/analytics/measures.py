"""What each figure of the rollup counts, and the change a conversion write makes to them.

For the clicks and conversions of a group (a day, a campaign, an affiliate, a link, a sub-ID, a
referrer, a currency):

- clicks, unique_clicks: clicks recorded; those that were the visitor's first on the link in an hour.
- conversions: conversions recorded, whatever their status; pending, approved, rejected, reversed:
  how many are in that status now.
- revenue: order amounts less refunds, of conversions still pending or approved.
- commission ("earned"): commission less what refunds took back, of conversions pending or approved.
- commission_approved: what approval put into the affiliates' ledger; commission_reversed: what
  refunds and reversals took back out of it afterwards. Net approved = approved − reversed.
- paid, commission_paid: commission covered by the affiliate's paid payouts, oldest payable first
  (`paid.py`); paid counts conversions covered in full.

A conversion counts on the day it was recorded and a click on the day it was made, in the display
time zone; a later decision changes the figures of that day, not of the day of the decision.
"""
from sqlalchemy import insert

from app.extensions import db
from app.models.analytics import CONVERSION_MEASURES, ConversionStatsChange
from app.services.analytics import barrier

STATUSES = ("pending", "approved", "rejected", "reversed")
# Still an order that counts (not rejected, not reversed).
STANDING = ("pending", "approved")


def conversion_state(conversion) -> dict[str, int]:
    """The figures a conversion adds to its group because of its current state (the ledger ones aside)."""
    standing = conversion.status in STANDING
    figures = {"conversions": 1, **{status: int(conversion.status == status) for status in STATUSES}}
    figures["revenue"] = conversion.amount - conversion.refunded_amount if standing else 0
    figures["commission"] = conversion.commission - conversion.commission_reversed if standing else 0
    return figures


def record_change(conversion, before: dict[str, int] | None, ledger_entry=None) -> None:
    """Append how this write changed the conversion's figures (in the caller's transaction).

    `before` is `conversion_state` taken before the write (None for a new conversion); `ledger_entry`
    is the commission or reversal entry the write added to the ledger, if any.
    """
    after = conversion_state(conversion)
    change = {name: after.get(name, 0) - (before or {}).get(name, 0) for name in CONVERSION_MEASURES}
    kind = ledger_entry.kind if ledger_entry is not None else None
    change["commission_approved"] = ledger_entry.amount if kind == "commission" else 0
    change["commission_reversed"] = -ledger_entry.amount if kind == "reversal" else 0
    if not any(change.values()):
        return
    barrier.writing(db.session)
    db.session.execute(insert(ConversionStatsChange).values(conversion_id=conversion.id, **change))
