"""The reviewer's conversions as a CSV file: the rows of the list's filters, within the reviewer's campaigns.

Streamed in keyset batches (newest first), so a file of any length costs flat memory, no transaction
stays open for the download, and each batch is one short statement.
"""
from collections.abc import Iterator

from sqlalchemy import or_, select

from app.extensions import db
from app.models.campaigns import Campaign
from app.models.conversions import Conversion
from app.models.users import User
from app.services.analytics.exports import amount, cell, csv_chunks
from app.services.conversions.queries import ConversionFilters, filtered

BATCH = 500
COLUMNS = ["time_utc", "order_id", "campaign", "affiliate_email", "affiliate_name", "currency", "amount",
           "refunded", "commission", "commission_reversed", "status", "source", "fraud_signals", "decided_utc",
           "reason"]


def _rows_in_batches(user: User, filters: ConversionFilters, tz: str) -> Iterator:
    query = (filtered(select(Conversion), filters, tz)
             .with_only_columns(Conversion.id, Conversion.created_at, Conversion.order_id, Campaign.name,
                                User.email, User.name.label("affiliate_name"), Conversion.currency,
                                Conversion.amount, Conversion.refunded_amount, Conversion.commission,
                                Conversion.commission_reversed, Conversion.status, Conversion.source,
                                Conversion.fraud_flags, Conversion.decided_at, Conversion.reject_reason)
             .join(Campaign, Campaign.id == Conversion.campaign_id)
             .join(User, User.id == Conversion.affiliate_id)
             .order_by(Conversion.created_at.desc(), Conversion.id.desc()))
    if user.role != "admin":
        query = query.where(Campaign.merchant_id == user.id)
    last = None
    while True:
        batch_query = query if last is None else query.where(
            Conversion.created_at <= last[0], or_(Conversion.created_at < last[0], Conversion.id < last[1]))
        batch = db.session.execute(batch_query.limit(BATCH)).all()
        yield from batch
        if len(batch) < BATCH:
            return
        last = (batch[-1].created_at, batch[-1].id)


def _utc(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def export_csv(user: User, filters: ConversionFilters, tz: str) -> Iterator[str]:
    """CSV text of the matching conversions (amounts in the currency's units, times in UTC), chunk by chunk."""
    rows = ([_utc(row.created_at), cell(row.order_id), cell(row.name), cell(row.email), cell(row.affiliate_name),
             row.currency, amount(row.amount, row.currency), amount(row.refunded_amount, row.currency),
             amount(row.commission, row.currency), amount(row.commission_reversed, row.currency), row.status,
             row.source, " ".join(row.fraud_flags or []), _utc(row.decided_at), cell(row.reject_reason)]
            for row in _rows_in_batches(user, filters, tz))
    return csv_chunks(COLUMNS, rows)
