"""Testing a shop's integration end to end, without recording anything.

The merchant starts a test and gets a test click id ("test-…") and their landing page carrying it,
as a visitor from a tracking link would arrive. Their shop keeps it (aff.js) and reports the order
through whatever they installed: the pixel, the API or the postback URL. Recording sees the test
id, stores what arrived on the test (the way, the order id, the amount and currency, and why a real
conversion with these values would be refused) and answers that it was a test: no conversion, no
commission, nothing in the ledger. The integration page polls the test and says what it saw.
"""
import secrets

from flask_babel import lazy_gettext as _l
from loguru import logger
from sqlalchemy import select

from app.extensions import db
from app.models.campaigns import Campaign
from app.models.common import utcnow
from app.models.conversions import TrackingTest
from app.services.common.errors import ServiceError
from app.services.conversions.errors import UnknownClick
from app.services.tracking.follow import with_click_id

PREFIX = "test-"


class NoCampaignToTest(ServiceError):
    """No campaign of the merchant to test."""

    text = _l("Create a campaign first: a test starts on a campaign's landing page.")


def is_test_id(click_id) -> bool:
    return isinstance(click_id, str) and click_id.startswith(PREFIX) and len(click_id) <= 64


def start(merchant_id: int, campaign_id: int | None = None) -> TrackingTest:
    """A new test for one of the merchant's campaigns (the newest active one if none is named)."""
    query = select(Campaign).where(Campaign.merchant_id == merchant_id)
    if campaign_id is not None:
        query = query.where(Campaign.id == campaign_id)
    campaign = db.session.scalar(query.order_by((Campaign.status == "active").desc(), Campaign.created_at.desc())
                                 .limit(1))
    if campaign is None:
        raise NoCampaignToTest()
    test = TrackingTest(token=PREFIX + secrets.token_urlsafe(18), merchant_id=merchant_id, campaign_id=campaign.id)
    db.session.add(test)
    db.session.commit()
    logger.info("tracking test {} started by merchant {} for campaign {}", test.id, merchant_id, campaign.id)
    return test


def landing_url(test: TrackingTest) -> str:
    """The campaign's landing page as a visitor from a tracking link reaches it, with the test click id."""
    return with_click_id(test.campaign.landing_url, test.token)


def receive(token: str, *, merchant_id: int | None, campaign_id: int | None, order_id, amount, currency,
            source: str, problem: str | None) -> TrackingTest:
    """Keep what a report with a test click id carried; an id of no test (or another merchant's) is unknown."""
    test = db.session.scalar(select(TrackingTest).where(TrackingTest.token == token))
    if test is None or (merchant_id is not None and test.merchant_id != merchant_id):
        raise UnknownClick()
    if problem is None and campaign_id is not None and campaign_id != test.campaign_id:
        problem = "other_campaign"
    if problem is None and str(currency or "").strip().upper() != test.campaign.currency:
        problem = "currency_mismatch"
    test.seen_at, test.source, test.problem = utcnow(), source, problem
    test.order_id = str(order_id)[:255] if order_id is not None else None
    test.amount = amount if isinstance(amount, int) and not isinstance(amount, bool) and 0 <= amount < 2**63 else None
    test.currency = str(currency)[:8] if currency is not None else None
    db.session.commit()
    logger.info("tracking test {} received via {} problem={}", test.id, source, problem or "-")
    return test


def get_for_merchant(test_id: int, merchant_id: int) -> TrackingTest | None:
    test = db.session.get(TrackingTest, test_id)
    return test if test is not None and test.merchant_id == merchant_id else None


def passed_query(merchant_id: int):
    """The merchant's tests that came back without a problem, as a select (to ask whether there is one)."""
    return select(TrackingTest.id).where(
        TrackingTest.merchant_id == merchant_id, TrackingTest.seen_at.is_not(None), TrackingTest.problem.is_(None))


def passed(merchant_id: int) -> bool:
    """Whether a test of the merchant's ever came back without a problem."""
    return db.session.scalar(passed_query(merchant_id).limit(1)) is not None
