"""Business totals for `/metrics`, read from the database at most once a minute per process.

Conversions by source and status, revenue and commission by currency, payout requests by status.
Every known status is reported, zero included, so a first failure shows as a change from 0 to 1.
"""
import time

from sqlalchemy import func, select, text

from app.extensions import db
from app.models.conversions import CONVERSION_SOURCES, CONVERSION_STATUSES, Conversion
from app.models.money import PAYOUT_STATUSES, PayoutRequest

REFRESH_SECONDS = 60
_cache: dict = {"at": 0.0, "totals": None}


def totals() -> dict:
    """The totals, from the cache when younger than REFRESH_SECONDS."""
    now = time.monotonic()
    if _cache["totals"] is None or now - _cache["at"] >= REFRESH_SECONDS:
        _cache["totals"] = _read()
        _cache["at"] = now
    return _cache["totals"]


def forget() -> None:
    _cache.update(at=0.0, totals=None)


def _read() -> dict:
    conversions = {(source, status): 0 for source in CONVERSION_SOURCES for status in CONVERSION_STATUSES}
    revenue, commission = {}, {}
    payouts = dict.fromkeys(PAYOUT_STATUSES, 0)
    payout_amounts = {}
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # A slow database must not hold the scrape: Prometheus gives up after 10 s anyway.
            conn.execute(text("SET LOCAL statement_timeout = 5000"))
        rows = conn.execute(
            select(Conversion.source, Conversion.status, Conversion.currency, func.count(),
                   func.sum(Conversion.amount - Conversion.refunded_amount),
                   func.sum(Conversion.commission - Conversion.commission_reversed))
            .group_by(Conversion.source, Conversion.status, Conversion.currency))
        for source, status, currency, count, amount, earned in rows:
            conversions[(source, status)] = conversions.get((source, status), 0) + count
            revenue[(currency, status)] = revenue.get((currency, status), 0) + int(amount or 0)
            commission[(currency, status)] = commission.get((currency, status), 0) + int(earned or 0)
        rows = conn.execute(select(PayoutRequest.status, PayoutRequest.currency, func.count(),
                                   func.sum(PayoutRequest.amount))
                            .group_by(PayoutRequest.status, PayoutRequest.currency))
        for status, currency, count, amount in rows:
            payouts[status] = payouts.get(status, 0) + count
            payout_amounts[(currency, status)] = int(amount or 0)
        conn.rollback()
    return {"conversions": conversions, "revenue": revenue, "commission": commission, "payouts": payouts,
            "payout_amounts": payout_amounts}
