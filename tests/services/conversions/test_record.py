from datetime import timedelta

import pytest

from app.extensions import db
from app.models.campaigns import Membership
from app.models.common import utcnow
from app.models.conversions import Conversion
from app.services.conversions import errors
from app.services.conversions import record as conversions
from tests import factories
from tests.conversion_helpers import audit_actions, logged_warnings, setup_click


def record(campaign, click, **kw):
    values = dict(merchant_id=campaign.merchant_id, campaign_id=None, click_public_id=click.public_id,
                  order_id="order-1", amount=250_000, currency=campaign.currency, source="api")
    values.update(kw)
    return conversions.record_conversion(**values)


def count():
    return db.session.scalar(db.select(db.func.count()).select_from(Conversion))


def test_records_a_conversion_credited_to_the_click(app):
    campaign, click = setup_click(hold_days=14)
    conversion, created = record(campaign, click, customer_email="buyer@example.org", ip="198.51.100.7")
    assert created is True
    assert (conversion.campaign_id, conversion.affiliate_id, conversion.click_id) == (
        campaign.id, click.affiliate_id, click.id)
    assert (conversion.amount, conversion.currency, conversion.commission) == (250_000, "VND", 25_000)
    assert conversion.status == "pending" and conversion.source == "api"
    assert conversion.attribution_rule == "last_click"
    assert conversion.payable_at == conversion.created_at + timedelta(days=14)
    assert conversion.fraud_flags == []
    assert audit_actions() == ["conversion.recorded"]


def test_identical_repeat_returns_the_same_conversion(app):
    campaign, click = setup_click()
    first, created = record(campaign, click)
    again, created_again = record(campaign, click)
    assert created and not created_again
    assert again.id == first.id and count() == 1


@pytest.mark.parametrize("change", [{"amount": 250_001}, {"currency": "USD"}])
def test_same_order_with_other_values_conflicts(app, change):
    campaign, click = setup_click()
    record(campaign, click)
    with pytest.raises(errors.OrderConflict) as info:
        record(campaign, click, **change)
    assert info.value.field == "order_id" and count() == 1


def test_same_order_credited_to_another_click_conflicts(app):
    campaign, click = setup_click()
    other = factories.make_click(click.link)
    record(campaign, click)
    with pytest.raises(errors.OrderConflict):
        record(campaign, other)


def test_same_order_id_in_another_campaign_is_another_conversion(app):
    merchant = factories.make_user("merchant")
    a, click_a = setup_click(merchant)
    b, click_b = setup_click(merchant)
    assert record(a, click_a)[1] and record(b, click_b)[1]
    assert count() == 2


def test_unknown_click(app):
    campaign, _click = setup_click()
    with logged_warnings() as warnings, pytest.raises(errors.UnknownClick) as info:
        conversions.record_conversion(merchant_id=campaign.merchant_id, campaign_id=None,
                                      click_public_id="no-such-click", order_id="o-9", amount=1, currency="VND",
                                      source="api")
    assert info.value.field == "click_id"
    assert any("conversion tracking failed" in m and "o-9" in m and "unknown_click" in m for m in warnings)


@pytest.mark.parametrize("public_id", ["", "x" * 65, "bad\x00id"])
def test_click_ids_that_cannot_exist_are_unknown(app, public_id):
    campaign, _click = setup_click()
    with pytest.raises(errors.UnknownClick):
        conversions.record_conversion(merchant_id=campaign.merchant_id, campaign_id=None,
                                      click_public_id=public_id, order_id="o", amount=1, currency="VND",
                                      source="api")


def test_another_merchants_click_is_unknown(app):
    campaign_a, click_a = setup_click()
    merchant_b = factories.make_user("merchant")
    with pytest.raises(errors.UnknownClick):
        record(campaign_a, click_a, merchant_id=merchant_b.id)
    assert count() == 0


def test_campaign_scope_only_credits_that_campaigns_clicks(app):
    merchant = factories.make_user("merchant")
    campaign_a, click_a = setup_click(merchant)
    campaign_b, _click_b = setup_click(merchant)
    with pytest.raises(errors.UnknownClick):
        record(campaign_a, click_a, merchant_id=None, campaign_id=campaign_b.id, source="postback")
    conversion, created = record(campaign_a, click_a, merchant_id=None, campaign_id=campaign_a.id,
                                 source="postback")
    assert created and conversion.source == "postback"


def test_window_end_is_inclusive_and_one_second_later_expires(app):
    campaign, click = setup_click(attribution_days=30)
    end = click.created_at + timedelta(days=30)
    with pytest.raises(errors.ClickExpired):
        record(campaign, click, order_id="late", now=end + timedelta(seconds=1))
    conversion, created = record(campaign, click, order_id="on-time", now=end)
    assert created and conversion.created_at == end


def test_click_not_attributable_at_click_time(app):
    campaign, click = setup_click()
    click.is_attributable = False
    db.session.commit()
    with pytest.raises(errors.NotAttributable):
        record(campaign, click)


@pytest.mark.parametrize("status", ["removed", "rejected", "pending"])
def test_affiliate_no_longer_approved_in_the_campaign(app, status):
    campaign, click = setup_click()
    membership = db.session.scalar(db.select(Membership).where(Membership.campaign_id == campaign.id))
    membership.status = status
    db.session.commit()
    with pytest.raises(errors.NotAttributable):
        record(campaign, click)


def test_currency_must_be_the_campaigns(app):
    campaign, click = setup_click(currency="VND")
    with pytest.raises(errors.CurrencyMismatch) as info:
        record(campaign, click, currency="USD")
    assert info.value.field == "currency"


@pytest.mark.parametrize("kw, field", [
    ({"amount": -1}, "amount"), ({"amount": 1.5}, "amount"), ({"amount": True}, "amount"),
    ({"amount": "100"}, "amount"), ({"order_id": ""}, "order_id"), ({"order_id": "x" * 256}, "order_id"),
    ({"order_id": "a\x00b"}, "order_id"), ({"currency": "XYZ"}, "currency"),
    ({"customer_email": "not-an-email"}, "customer_email"),
])
def test_invalid_inputs_name_their_field(app, kw, field):
    campaign, click = setup_click()
    with pytest.raises(errors.InvalidConversion) as info:
        record(campaign, click, **kw)
    assert info.value.field == field
    assert count() == 0


@pytest.mark.parametrize("commission", [{"commission_type": "percent"}, {"commission_type": "fixed",
                                                                        "commission_fixed": 50_000}])
def test_a_sale_of_zero_is_refused_whatever_the_commission(app, commission):
    campaign, click = setup_click(**commission)
    with pytest.raises(errors.InvalidConversion) as refused:
        record(campaign, click, amount=0)
    assert (refused.value.field, refused.value.code) == ("amount", "out_of_range")


def test_a_lead_is_recorded_without_an_amount_and_earns_the_fixed_commission(app):
    campaign, click = setup_click(pays_for="lead", commission_type="fixed", commission_fixed=25_000)
    conversion, created = record(campaign, click, amount=None)
    assert created and (conversion.amount, conversion.commission) == (0, 25_000)
    again, created = record(campaign, click, amount=None)
    assert again.id == conversion.id and not created


def test_repeat_of_an_expired_click_still_answers_with_the_conversion(app):
    campaign, click = setup_click(attribution_days=1)
    first, _ = record(campaign, click, now=utcnow())
    again, created = record(campaign, click, now=utcnow() + timedelta(days=3))
    assert again.id == first.id and not created
