"""Small helpers that make valid rows with sensible defaults; override what a test cares about."""
import itertools
import secrets
from datetime import timedelta
from decimal import Decimal

from app.extensions import db
from app.models.campaigns import Campaign, Membership
from app.models.common import utcnow
from app.models.conversions import Conversion
from app.models.tracking import Click, Link
from app.money import percent_of
from app.services.accounts import accounts
from app.services.analytics import measures
from app.services.conversions import record

_seq = itertools.count(1)
PASSWORD = "correct horse battery"


def make_user(role="affiliate", *, email=None, password=PASSWORD, name=None, **kwargs):
    n = next(_seq)
    email = email or f"{role}{n}@example.com"
    if role == "merchant":
        kwargs.setdefault("company_name", f"Shop {n}")
        kwargs.setdefault("website", f"https://shop{n}.example")
    return accounts.create_user(email, password, role, name or f"{role.title()} {n}", **kwargs)


def make_campaign(merchant=None, **kwargs):
    merchant = merchant or make_user("merchant")
    n = next(_seq)
    values = dict(name=f"Campaign {n}", landing_url="https://shop.example/landing",
                  allowed_hosts="shop.example", commission_type="percent", commission_rate=Decimal("10"),
                  currency="VND", attribution_days=30, join_mode="open", hold_days=30,
                  postback_token=secrets.token_urlsafe(24))
    values.update(kwargs)
    if values["commission_type"] == "fixed":
        values["commission_rate"] = kwargs.get("commission_rate")
        values.setdefault("commission_fixed", 20000)
    campaign = Campaign(merchant_id=merchant.id, **values)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def make_membership(campaign, affiliate=None, status="approved", **kwargs):
    affiliate = affiliate or make_user("affiliate")
    membership = Membership(campaign_id=campaign.id, affiliate_id=affiliate.id, status=status, **kwargs)
    db.session.add(membership)
    db.session.commit()
    return membership


def make_link(campaign=None, affiliate=None, **kwargs):
    campaign = campaign or make_campaign()
    if affiliate is None:
        affiliate = make_membership(campaign).affiliate
    link = Link(code=kwargs.pop("code", secrets.token_urlsafe(8).replace("-", "a").replace("_", "b")),
                campaign_id=campaign.id, affiliate_id=affiliate.id, **kwargs)
    db.session.add(link)
    db.session.commit()
    return link


def make_click(link=None, **kwargs):
    link = link or make_link()
    click = Click(public_id=secrets.token_urlsafe(16), link_id=link.id, campaign_id=link.campaign_id,
                  affiliate_id=link.affiliate_id, **kwargs)
    db.session.add(click)
    db.session.commit()
    return click


def make_conversion(click=None, *, amount=1_000_000, status="pending", **kwargs):
    click = click or make_click()
    campaign = db.session.get(Campaign, click.campaign_id)
    if campaign.commission_type == "percent":
        commission = percent_of(amount, campaign.commission_rate)
    else:
        commission = campaign.commission_fixed
    now = utcnow()
    # click_id=None: a conversion recorded without a click, which keeps none of its details either.
    details = record.click_details(click) if kwargs.get("click_id", click.id) is not None else {}
    values = dict(campaign_id=campaign.id, affiliate_id=click.affiliate_id, **details,
                  order_id=f"order-{next(_seq)}", amount=amount, currency=campaign.currency,
                  commission_type=campaign.commission_type, commission_rate=campaign.commission_rate,
                  commission=commission, status=status, source="api", created_at=now,
                  payable_at=now + timedelta(days=campaign.hold_days))
    values.update(kwargs)
    conversion = Conversion(**values)
    db.session.add(conversion)
    db.session.flush()
    # As the conversion doors do: the analytics figures learn of the new row in the same transaction.
    measures.record_change(conversion, None)
    db.session.commit()
    return conversion
