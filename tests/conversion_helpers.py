"""Shared setup for the conversion, API, refund, pixel and Stripe webhook tests."""
from contextlib import contextmanager
from datetime import timedelta

from loguru import logger

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.common import utcnow
from app.models.money import LedgerEntry
from app.services.accounts import api_keys
from tests import factories


def setup_click(merchant=None, affiliate=None, *, click_age=timedelta(hours=1), ip="203.0.113.9", **campaign_kw):
    """A campaign (VND 10 % unless told), an approved affiliate, a link and a click made `click_age` ago."""
    campaign = factories.make_campaign(merchant, **campaign_kw)
    membership = factories.make_membership(campaign, affiliate)
    link = factories.make_link(campaign, membership.affiliate)
    click = factories.make_click(link, created_at=utcnow() - click_age, ip=ip,
                                 user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
    return campaign, click


def make_key(merchant=None):
    """(merchant, raw API key)."""
    merchant = merchant or factories.make_user("merchant")
    _key, raw = api_keys.create_key(merchant.id, "Shop server")
    return merchant, raw


def ledger_rows(conversion_id=None):
    query = db.select(LedgerEntry).order_by(LedgerEntry.id)
    if conversion_id is not None:
        query = query.where(LedgerEntry.conversion_id == conversion_id)
    return list(db.session.scalars(query))


def audit_actions(object_type="conversions"):
    return [e.action for e in db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.object_type == object_type).order_by(AuditEvent.id))]


@contextmanager
def logged_warnings():
    """Collect the messages loguru writes at WARNING or above inside the block."""
    messages = []
    sink = logger.add(lambda m: messages.append(m.record["message"]), level="WARNING")
    try:
        yield messages
    finally:
        logger.remove(sink)
