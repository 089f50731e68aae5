from datetime import timedelta

import pytest

from app.extensions import db
from app.models.common import utcnow
from app.models.tracking import Click
from app.models.users import User
from app.services.conversions import flags
from app.services.conversions import record as conversions
from tests import factories
from tests.conversion_helpers import logged_warnings, setup_click


def record(campaign, click, **kw):
    values = dict(merchant_id=campaign.merchant_id, campaign_id=None, click_public_id=click.public_id,
                  order_id="order-1", amount=100_000, currency="VND", source="api")
    values.update(kw)
    return conversions.record_conversion(**values)[0]


def affiliate_of(click):
    return db.session.get(User, click.affiliate_id)


@pytest.mark.parametrize("email", ["{local}@{domain}", "{LOCAL}@{DOMAIN}", "{local}+shop@{domain}",
                                   " {LOCAL}+Deal.2@{domain} "])
def test_self_referral_ignores_case_and_plus_tags(app, email):
    campaign, click = setup_click()
    local, domain = affiliate_of(click).email.split("@")
    customer = email.format(local=local, domain=domain, LOCAL=local.upper(), DOMAIN=domain.upper())
    with logged_warnings() as warnings:
        conversion = record(campaign, click, customer_email=customer)
    assert "self_referral" in conversion.fraud_flags
    assert any("suspicious conversion" in m and "self_referral" in m for m in warnings)


def test_another_customer_is_not_a_self_referral(app):
    campaign, click = setup_click()
    local, domain = affiliate_of(click).email.split("@")
    conversion = record(campaign, click, customer_email=f"{local}x@{domain}")
    assert conversion.fraud_flags == []


def test_canonical_email():
    assert flags.canonical_email(" Ann+News@Mail.COM ") == "ann@mail.com"
    assert flags.canonical_email("no-at-sign") is None


def test_same_ip_as_affiliates_last_sign_in(app):
    campaign, click = setup_click()
    affiliate_of(click).last_login_ip = "198.51.100.23"
    db.session.commit()
    assert "affiliate_ip" in record(campaign, click, ip="198.51.100.23").fraud_flags
    assert "affiliate_ip" not in record(campaign, click, order_id="o-2", ip="198.51.100.24").fraud_flags


def test_click_from_affiliates_sign_in_ip(app):
    campaign, click = setup_click()
    affiliate_of(click).last_login_ip = click.ip
    db.session.commit()
    assert "affiliate_ip" in record(campaign, click).fraud_flags


def test_fifteen_second_rule(app):
    campaign, click = setup_click()
    at_15 = record(campaign, click, order_id="a", now=click.created_at + timedelta(seconds=15))
    at_16 = record(campaign, click, order_id="b", now=click.created_at + timedelta(seconds=16))
    assert "fast_conversion" in at_15.fraud_flags
    assert "fast_conversion" not in at_16.fraud_flags


@pytest.mark.parametrize("agent, is_bot", [
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
    ("curl/8.5.0", True), ("python-requests/2.32", True),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari/537.36", True),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", False),
    (None, False),
])
def test_bot_user_agent_on_the_click(app, agent, is_bot):
    campaign, click = setup_click()
    click.user_agent = agent
    db.session.commit()
    assert ("bot_user_agent" in record(campaign, click).fraud_flags) is is_bot


def test_many_clicks_from_one_ip(app):
    campaign, click = setup_click()
    for _ in range(19):
        factories.make_click(click.link, ip=click.ip, created_at=click.created_at - timedelta(minutes=30))
    factories.make_click(click.link, ip=click.ip, created_at=click.created_at - timedelta(hours=2))
    factories.make_click(click.link, ip="192.0.2.1", created_at=click.created_at)
    assert db.session.scalar(db.select(db.func.count()).select_from(Click)) == 22
    assert "click_flood" in record(campaign, click).fraud_flags


def test_nineteen_clicks_from_one_ip_are_fine(app):
    campaign, click = setup_click()
    for _ in range(18):
        factories.make_click(click.link, ip=click.ip, created_at=click.created_at - timedelta(minutes=5))
    assert record(campaign, click).fraud_flags == []


def test_flags_are_stored_and_survive_reload(app):
    campaign, click = setup_click(click_age=timedelta(seconds=0))
    conversion = record(campaign, click, now=utcnow() + timedelta(seconds=1))
    db.session.expire_all()
    assert conversion.fraud_flags == ["fast_conversion"]
