"""Recording conversions: an order credited to the click that brought it, exactly once.

Reviewing (approve, reject, reverse) lives in `conversion_states`, refunds in `refunds`; both are
re-exported here so callers use one module.
"""
from datetime import datetime, timedelta

from loguru import logger
from sqlalchemy import select

from app.extensions import db
from app.models.campaigns import Campaign, Membership
from app.models.common import utcnow
from app.models.conversions import CONVERSION_SOURCES, Conversion
from app.models.tracking import Click
from app.money import CURRENCIES
from app.services.analytics import measures
from app.services.audit import trail
from app.services.common.sql import insert_ignoring_duplicates
from app.services.conversions import commissions, flags, mail, tracking_tests
from app.services.conversions.errors import (
    ClickExpired,
    ConversionError,
    CurrencyMismatch,
    InvalidConversion,
    InvalidPostbackToken,
    NotAttributable,
    OrderConflict,
    TrackingTestReceived,
    UnknownClick,
)
from app.services.tracking import drain
from app.services.webhooks import outbox

ATTRIBUTION_RULE = "last_click"
MAX_AMOUNT = 10**15  # far above any real order, well inside a 64-bit column


def record_conversion(*, merchant_id: int | None, campaign_id: int | None, click_public_id: str,
                      order_id: str, amount: int, currency: str, source: str,
                      customer_email: str | None = None, ip: str | None = None,
                      now: datetime | None = None) -> tuple[Conversion, bool]:
    """Credit order `order_id` to the click `click_public_id`; returns (conversion, created).

    `merchant_id` (an API key's owner) or `campaign_id` (a postback token's campaign) limits which
    clicks may be credited: a click outside that scope is reported as unknown. The same order sent
    again with the same values returns the existing conversion with created False; with other
    values it raises OrderConflict. The database's unique (campaign_id, order_id) decides, so
    concurrent identical requests record one conversion.
    """
    try:
        return _record(merchant_id=merchant_id, campaign_id=campaign_id, click_public_id=click_public_id,
                       order_id=order_id, amount=amount, currency=currency, source=source,
                       customer_email=customer_email, ip=ip, now=now or utcnow())
    except ConversionError as exc:
        logger.warning("conversion tracking failed order_id={!r} source={} code={} field={}",
                       str(order_id)[:255], source, exc.code, exc.field)
        raise


def postback_campaign_id(token: str | None) -> int:
    """The campaign a GET postback token belongs to; a postback can only credit clicks of that campaign."""
    campaign_id = None
    if isinstance(token, str) and 0 < len(token) <= 64 and token.isprintable():
        campaign_id = db.session.scalar(select(Campaign.id).where(Campaign.postback_token == token))
    if campaign_id is None:
        logger.warning("conversion tracking failed source=postback code=invalid_token")
        raise InvalidPostbackToken()
    return campaign_id


def _record(*, merchant_id, campaign_id, click_public_id, order_id, amount, currency, source,
            customer_email, ip, now) -> tuple[Conversion, bool]:
    if tracking_tests.is_test_id(click_public_id):
        _receive_test(merchant_id=merchant_id, campaign_id=campaign_id, click_public_id=click_public_id,
                      order_id=order_id, amount=amount, currency=currency, source=source,
                      customer_email=customer_email)
    order_id, currency, customer_email = _check_inputs(order_id, amount, currency, source, customer_email)
    # Ids that could never have been issued are not looked up (a NUL byte would upset Postgres).
    usable = isinstance(click_public_id, str) and 0 < len(click_public_id) <= 64 and click_public_id.isprintable()
    click = drain.lookup_click(click_public_id) if usable else None
    if click is None:
        raise UnknownClick()
    campaign = db.session.get(Campaign, click.campaign_id)
    if (merchant_id is not None and campaign.merchant_id != merchant_id) or (
            campaign_id is not None and campaign.id != campaign_id):
        # Another merchant's click is reported exactly like a missing one: nothing leaks.
        raise UnknownClick()
    amount = _amount_for(campaign, amount)
    existing = _existing(campaign.id, order_id)
    if existing is not None:
        return _same_or_conflict(existing, amount, currency, click), False
    if currency != campaign.currency:
        raise CurrencyMismatch(f"This campaign records conversions in {campaign.currency}.")
    _check_attribution(click, campaign, now)

    commission, commission_type, rate = commissions.compute(campaign, amount)
    values = dict(
        campaign_id=campaign.id, affiliate_id=click.affiliate_id, **click_details(click), order_id=order_id,
        amount=amount, currency=currency, commission_type=commission_type, commission_rate=rate,
        commission=commission, refunded_amount=0, commission_reversed=0, status="pending", source=source,
        attribution_rule=ATTRIBUTION_RULE, customer_email=customer_email, ip=ip[:45] if ip else None,
        fraud_flags=flags.evaluate(click, customer_email=customer_email, ip=ip, now=now),
        created_at=now, payable_at=now + timedelta(days=campaign.hold_days),
    )
    new_id = _insert_once(values)
    if new_id is None:
        # A concurrent request inserted this order first; the insert waited for it to commit, so
        # its row is visible to the next statement.
        existing = _existing(campaign.id, order_id)
        return _same_or_conflict(existing, amount, currency, click), False
    conversion = db.session.get(Conversion, new_id)
    measures.record_change(conversion, None)
    trail.record("conversion.recorded", conversion, ip=ip, after={
        "order_id": order_id, "amount": amount, "currency": currency, "commission": commission,
        "source": source, "click": click.public_id, "flags": conversion.fraud_flags})
    outbox.conversion_event("conversion.created", conversion)
    db.session.commit()
    logger.info("conversion recorded id={} campaign={} affiliate={} order_id={!r} source={}",
                conversion.id, conversion.campaign_id, conversion.affiliate_id, order_id, source)
    flags.log_flags(conversion)
    mail.recorded(conversion)
    return conversion, True


def click_details(click: Click) -> dict:
    """What a conversion keeps of its click, so attribution details outlive the raw click."""
    return dict(click_id=click.id, click_public_id=click.public_id, click_created_at=click.created_at,
                link_id=click.link_id, click_ip=click.ip, click_user_agent=click.user_agent,
                click_referrer=click.referrer, click_sub1=click.sub1, click_sub2=click.sub2, click_sub3=click.sub3,
                click_sub4=click.sub4, click_sub5=click.sub5)


def _receive_test(*, merchant_id, campaign_id, click_public_id, order_id, amount, currency, source,
                  customer_email) -> None:
    """Show a merchant's test report on their test, with what a real one would have been refused for."""
    problem = None
    try:
        _check_inputs(order_id, amount, currency, source, customer_email)
    except InvalidConversion as exc:
        problem = exc.code if exc.code != "invalid" else f"invalid_{exc.field}"
    tracking_tests.receive(click_public_id, merchant_id=merchant_id, campaign_id=campaign_id, order_id=order_id,
                           amount=amount, currency=currency, source=source, problem=problem)
    raise TrackingTestReceived()


def _check_inputs(order_id, amount, currency, source, customer_email):
    if source not in CONVERSION_SOURCES:
        raise ValueError(f"unknown conversion source {source!r}")
    order_id = str(order_id if order_id is not None else "").strip()
    if not order_id:
        raise InvalidConversion("An order id is required.", "order_id", "required")
    if len(order_id) > 255:
        raise InvalidConversion("The order id is longer than 255 characters.", "order_id", "too_long")
    if not order_id.isprintable():
        raise InvalidConversion("The order id contains control characters.", "order_id", "invalid_characters")
    # None: not given, which only a lead allows (checked once the campaign is known).
    if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool)):
        raise InvalidConversion("The amount must be an integer in minor units.", "amount", "invalid_type")
    if amount is not None and not 0 <= amount <= MAX_AMOUNT:
        raise InvalidConversion("The amount must be zero or more.", "amount", "out_of_range")
    currency = str(currency or "").strip().upper()
    if currency not in CURRENCIES:
        raise InvalidConversion("Unknown currency.", "currency", "unknown_currency")
    customer_email = (customer_email or "").strip() or None
    if customer_email is not None and (len(customer_email) > 254 or "@" not in customer_email
                                       or not customer_email.isprintable()):
        raise InvalidConversion("The customer email is not valid.", "customer_email", "invalid_email")
    return order_id, currency, customer_email


def _amount_for(campaign: Campaign, amount: int | None) -> int:
    """What the campaign pays for decides the amount: a sale needs one above zero, a lead none (0)."""
    if campaign.pays_for == "lead":
        return amount or 0
    if amount is None:
        raise InvalidConversion("A sale needs its amount in minor units.", "amount", "required")
    if amount == 0:
        raise InvalidConversion("The amount of a sale must be more than zero; this campaign pays for sales.",
                                "amount", "out_of_range")
    return amount


def _existing(campaign_id: int, order_id: str) -> Conversion | None:
    return db.session.scalar(
        select(Conversion).where(Conversion.campaign_id == campaign_id, Conversion.order_id == order_id)
        .execution_options(populate_existing=True)
    )


def _same_or_conflict(existing: Conversion, amount: int, currency: str, click: Click) -> Conversion:
    if existing.amount == amount and existing.currency == currency and existing.click_id == click.id:
        return existing
    raise OrderConflict("This order was already recorded with a different amount, currency or click.")


def _check_attribution(click: Click, campaign: Campaign, now: datetime) -> None:
    if now > click.created_at + timedelta(days=campaign.attribution_days):
        raise ClickExpired(f"The click is older than the campaign's {campaign.attribution_days}-day window.")
    if not click.is_attributable:
        raise NotAttributable("The click was made while the campaign or the affiliate was inactive.")
    membership_status = db.session.scalar(select(Membership.status).where(
        Membership.campaign_id == campaign.id, Membership.affiliate_id == click.affiliate_id))
    if membership_status != "approved":
        raise NotAttributable("The affiliate is no longer a member of this campaign.")


def _insert_once(values: dict) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING: the new id, or None if the order already exists.

    On Postgres a plain INSERT that hits the unique key aborts the transaction; skipping the
    conflicting row instead lets the loser of a race read the winner's row and answer calmly.
    """
    stmt = (insert_ignoring_duplicates(Conversion, ["campaign_id", "order_id"]).values(**values)
            .returning(Conversion.id))
    return db.session.execute(stmt).scalar()


def get_for_merchant(conversion_id: int, merchant_id: int) -> Conversion | None:
    """The conversion if it belongs to one of this merchant's campaigns."""
    return db.session.scalar(select(Conversion).join(Campaign, Campaign.id == Conversion.campaign_id).where(
        Conversion.id == conversion_id, Campaign.merchant_id == merchant_id))
