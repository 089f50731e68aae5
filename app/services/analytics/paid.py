"""Which approved commission the affiliate's paid payouts have covered.

An affiliate asks for an amount out of a balance, not for single conversions, so a payout is
spread over the approved commission oldest-payable first (the order the balance became available
in): a conversion is paid once payouts in its currency cover its commission and all commission
payable before it. Refunds after payment shrink the commission and move the line forward again.
"""
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from app.models.analytics import PaidShare
from app.models.conversions import Conversion
from app.models.money import PayoutRequest
from app.services.analytics import sql
from app.services.analytics.fold import dialect_insert

# Payouts marked paid within this long before the last check are looked at again (clock skew,
# transactions that were still open).
RECHECK = timedelta(hours=1)
CHUNK = 500


def allocate(commissions: list[tuple[int, int]], paid_total: int) -> dict[int, tuple[int, bool]]:
    """{conversion id: (commission paid, fully paid)} for (id, commission) in payable order."""
    shares, left = {}, max(paid_total, 0)
    for conversion_id, commission in commissions:
        share = min(commission, left)
        left -= share
        if share:
            shares[conversion_id] = (share, share == commission)
    return shares


def affiliates_to_check(connection, since: datetime | None, changed_conversions) -> set[int]:
    """Affiliates whose paid payouts or approved commission may have moved since `since`."""
    affiliates = set()
    if changed_conversions is not None:
        affiliates |= set(connection.scalars(select(Conversion.affiliate_id).distinct().where(
            Conversion.id.in_(changed_conversions))))
    query = select(PayoutRequest.affiliate_id).distinct().where(PayoutRequest.status == "paid")
    if since is not None:
        query = query.where(PayoutRequest.updated_at >= since - RECHECK)
    affiliates |= set(connection.scalars(query))
    return affiliates


def _new_shares(connection, affiliate_ids: list[int]) -> dict[int, tuple[int, int, bool]]:
    payouts = {(affiliate, currency): int(total) for affiliate, currency, total in connection.execute(
        select(PayoutRequest.affiliate_id, PayoutRequest.currency, func.sum(PayoutRequest.amount))
        .where(PayoutRequest.affiliate_id.in_(affiliate_ids), PayoutRequest.status == "paid")
        .group_by(PayoutRequest.affiliate_id, PayoutRequest.currency))}
    commissions = defaultdict(list)
    for conversion_id, affiliate, currency, net in connection.execute(
            select(Conversion.id, Conversion.affiliate_id, Conversion.currency,
                   Conversion.commission - Conversion.commission_reversed)
            .where(Conversion.affiliate_id.in_(affiliate_ids), Conversion.status == "approved",
                   Conversion.commission > Conversion.commission_reversed)
            .order_by(Conversion.affiliate_id, Conversion.currency, Conversion.payable_at, Conversion.id)):
        commissions[(affiliate, currency)].append((conversion_id, net))
    shares = {}
    for (affiliate, currency), rows in commissions.items():
        for conversion_id, (share, full) in allocate(rows, payouts.get((affiliate, currency), 0)).items():
            shares[conversion_id] = (affiliate, share, full)
    return shares


def refresh(connection, affiliate_ids, zone_name: str) -> list[dict]:
    """Bring the stored shares of these affiliates up to date; returns the changes as batch rows."""
    changes = {}
    ids = sorted(affiliate_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        old = {row.conversion_id: row for row in connection.execute(
            select(PaidShare.__table__).where(PaidShare.affiliate_id.in_(chunk)))}
        new = _new_shares(connection, chunk)
        for conversion_id in old.keys() | new.keys():
            before = old.get(conversion_id)
            was = (before.commission_paid, int(before.is_paid)) if before else (0, 0)
            affiliate, share, full = new.get(conversion_id, (None, 0, False))
            if (share, int(full)) != was:
                changes[conversion_id] = (share - was[0], int(full) - was[1])
        _store(connection, chunk, new)
    return _batch_rows(connection, changes, zone_name)


def _store(connection, affiliate_ids, shares) -> None:
    connection.execute(delete(PaidShare).where(PaidShare.affiliate_id.in_(affiliate_ids)))
    if shares:
        connection.execute(dialect_insert(connection.dialect.name)(PaidShare), [
            {"conversion_id": cid, "affiliate_id": affiliate, "commission_paid": share, "is_paid": full}
            for cid, (affiliate, share, full) in shares.items()])


def _batch_rows(connection, changes: dict, zone_name: str) -> list[dict]:
    rows, ids = [], sorted(changes)
    for start in range(0, len(ids), CHUNK):
        for conversion in connection.execute(
                select(Conversion.id, Conversion.created_at, Conversion.campaign_id, Conversion.affiliate_id,
                       Conversion.currency, Conversion.link_id, Conversion.click_sub1, Conversion.click_referrer)
                .where(Conversion.id.in_(ids[start:start + CHUNK]))):
            commission_paid, paid = changes[conversion.id]
            rows.append({"day": sql.local_day_of(conversion.created_at, zone_name),
                         "campaign_id": conversion.campaign_id, "affiliate_id": conversion.affiliate_id,
                         "link_id": conversion.link_id or 0, "sub_id": conversion.click_sub1 or "",
                         "referrer": sql.referrer_domain_of(conversion.click_referrer), "currency": conversion.currency,
                         "paid": paid, "commission_paid": commission_paid})
    return rows
