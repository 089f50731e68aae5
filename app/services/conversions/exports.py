"""The reviewer's conversions as a CSV file: the rows of the list's filters, within the reviewer's campaigns.

Streamed in keyset batches (newest first), so a file of any length costs flat memory, no transaction
stays open for the download, and each batch is one short statement.
"""
from collections.abc import Iterator

from sqlalchemy import select

from app.models.campaigns import Campaign
from app.models.conversions import Conversion
from app.models.users import User
from app.services.analytics.exports import amount, cell, csv_chunks, utc_text
from app.services.common.keyset import newest_first_batches
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
             .join(User, User.id == Conversion.affiliate_id))
    if user.role != "admin":
        query = query.where(Campaign.merchant_id == user.id)
    for batch in newest_first_batches(query, Conversion.created_at, Conversion.id, BATCH):
        yield from batch


def export_csv(user: User, filters: ConversionFilters, tz: str) -> Iterator[str]:
    """CSV text of the matching conversions (amounts in the currency's units, times in UTC), chunk by chunk."""
    rows = ([utc_text(row.created_at), cell(row.order_id), cell(row.name), cell(row.email), cell(row.affiliate_name),
             row.currency, amount(row.amount, row.currency), amount(row.refunded_amount, row.currency),
             amount(row.commission, row.currency), amount(row.commission_reversed, row.currency), row.status,
             row.source, " ".join(row.fraud_flags or []), utc_text(row.decided_at), cell(row.reject_reason)]
            for row in _rows_in_batches(user, filters, tz))
    return csv_chunks(COLUMNS, rows)
