"""Clicks as a CSV file: an affiliate's own, or those on a reviewer's campaigns, within the list's filter.

Streamed in keyset batches (newest first) through the same indexes as the lists: flat memory, one
short statement per batch, however many clicks there are. Affiliates never get visitors' addresses or
browsers, as on their page.
"""
from collections.abc import Iterator

from sqlalchemy import select

from app.models.campaigns import Campaign
from app.models.tracking import Click, Link
from app.models.users import User
from app.services.analytics.exports import cell, csv_chunks
from app.services.common.keyset import newest_first_batches

BATCH = 1000
COMMON = ["time_utc", "campaign", "link", "sub1", "sub2", "sub3", "sub4", "sub5", "unique", "attributable"]
REVIEWER = ["affiliate_email", "ip", "user_agent", "referrer"]


def _batches(query) -> Iterator:
    for batch in newest_first_batches(query, Click.created_at, Click.id, BATCH):
        yield from batch


def _query(*extra_columns):
    return (select(Click.id, Click.created_at, Campaign.name, Link.code, Click.sub1, Click.sub2, Click.sub3,
                   Click.sub4, Click.sub5, Click.is_unique, Click.is_attributable, *extra_columns)
            .join(Campaign, Campaign.id == Click.campaign_id).join(Link, Link.id == Click.link_id)
            .order_by(Click.created_at.desc(), Click.id.desc()))


def _common(row) -> list:
    return [row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"), cell(row.name), row.code,
            *(cell(value) for value in (row.sub1, row.sub2, row.sub3, row.sub4, row.sub5)),
            "yes" if row.is_unique else "no", "yes" if row.is_attributable else "no"]


def affiliate_csv(affiliate_id: int, campaign_id: int | None = None) -> Iterator[str]:
    """The affiliate's own clicks (in one campaign, if given), newest first."""
    query = _query().where(Click.affiliate_id == affiliate_id)
    if campaign_id:
        query = query.where(Click.campaign_id == campaign_id)
    return csv_chunks(COMMON, (_common(row) for row in _batches(query)))


def reviewer_csv(user: User, campaign_id: int | None = None) -> Iterator[str]:
    """Clicks on the reviewer's campaigns (an admin's: all; one campaign, if given), newest first."""
    query = (_query(User.email, Click.ip, Click.user_agent, Click.referrer)
             .join(User, User.id == Click.affiliate_id))
    if user.role != "admin":
        query = query.where(Campaign.merchant_id == user.id)
    if campaign_id:
        query = query.where(Click.campaign_id == campaign_id)
    rows = ([*_common(row), cell(row.email), cell(row.ip), cell(row.user_agent), cell(row.referrer)]
            for row in _batches(query))
    return csv_chunks(COMMON + REVIEWER, rows)
