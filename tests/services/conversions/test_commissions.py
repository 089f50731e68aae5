from decimal import Decimal

import pytest

from app.extensions import db
from app.services.conversions import commissions, record
from tests import factories
from tests.conversion_helpers import setup_click

CASES = [
    # (currency, type, rate, fixed, amount, expected commission)
    ("VND", "percent", "10", None, 5, 1),              # 0.5 rounds half-up to 1
    ("VND", "percent", "10", None, 15, 2),             # 1.5 -> 2
    ("VND", "percent", "10", None, 14, 1),             # 1.4 -> 1
    ("VND", "percent", "10", None, 1_234_567, 123_457),
    ("VND", "percent", "12.5", None, 1_000_004, 125_001),  # 125000.5 -> 125001
    ("VND", "percent", "0", None, 500_000, 0),
    ("VND", "percent", "100", None, 500_000, 500_000),
    ("USD", "percent", "10", None, 1005, 101),         # 100.5 cents -> 101
    ("USD", "percent", "10", None, 1004, 100),
    ("USD", "percent", "7.25", None, 1999, 145),       # 144.9275 -> 145
    ("USD", "percent", "2.5", None, 1, 0),             # 0.025 cents -> 0
    ("JPY", "percent", "10", None, 1005, 101),
    ("JPY", "percent", "3", None, 50, 2),              # 1.5 yen -> 2
    ("VND", "fixed", None, 20_000, 1_000_000, 20_000),
    ("USD", "fixed", None, 500, 1, 500),
    ("JPY", "fixed", None, 300, 0, 300),
    ("VND", "percent", "10", None, 0, 0),
]


@pytest.mark.parametrize("currency, kind, rate, fixed, amount, expected", CASES)
def test_compute(app, currency, kind, rate, fixed, amount, expected):
    kw = {"commission_fixed": fixed} if kind == "fixed" else {"commission_rate": Decimal(rate)}
    campaign = factories.make_campaign(currency=currency, commission_type=kind, **kw)
    commission, ctype, crate = commissions.compute(campaign, amount)
    assert (commission, ctype) == (expected, kind)
    assert crate == (Decimal(rate) if rate else None)
    assert isinstance(commission, int)


@pytest.mark.parametrize("currency, kind, rate, fixed, amount, expected", CASES[:4] + CASES[7:9] + CASES[13:14])
def test_recorded_conversion_stores_the_commission(app, currency, kind, rate, fixed, amount, expected):
    kw = {"commission_fixed": fixed} if kind == "fixed" else {"commission_rate": Decimal(rate)}
    campaign, click = setup_click(currency=currency, commission_type=kind, **kw)
    conversion, _ = record.record_conversion(
        merchant_id=campaign.merchant_id, campaign_id=None, click_public_id=click.public_id,
        order_id="o-1", amount=amount, currency=currency, source="api")
    assert conversion.commission == expected
    assert conversion.commission_type == kind


def test_later_campaign_edits_do_not_change_recorded_commissions(app):
    campaign, click = setup_click(commission_rate=Decimal("10"))
    first, _ = record.record_conversion(merchant_id=campaign.merchant_id, campaign_id=None,
                                             click_public_id=click.public_id, order_id="a", amount=100_000,
                                             currency="VND", source="api")
    campaign.commission_rate = Decimal("50")
    db.session.commit()
    second, _ = record.record_conversion(merchant_id=campaign.merchant_id, campaign_id=None,
                                              click_public_id=click.public_id, order_id="b", amount=100_000,
                                              currency="VND", source="api")
    campaign.commission_type, campaign.commission_fixed = "fixed", 1
    db.session.commit()
    db.session.expire_all()
    assert (first.commission, first.commission_rate) == (10_000, Decimal("10"))
    assert (second.commission, second.commission_rate) == (50_000, Decimal("50"))
    assert first.commission_type == second.commission_type == "percent"
