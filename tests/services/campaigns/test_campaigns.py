"""Campaign use cases: create, edit (terms are a snapshot), status changes, delete, joinability."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.campaigns import Campaign, Membership
from app.models.tracking import Link
from app.services.campaigns import campaigns
from app.services.campaigns.campaigns import CampaignHasActivity, IllegalStatusChange, InvalidCampaign
from tests import factories

TODAY = date(2025, 6, 15)


def data(**overrides):
    values = {"name": "Summer sale", "landing_url": "https://www.shop.example/summer?src=aff",
              "commission_type": "percent", "commission_rate": Decimal("7.5"), "currency": "VND",
              "attribution_days": 30, "hold_days": 30, "join_mode": "open"}
    values.update(overrides)
    return values


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_create_fills_defaults_token_and_audit(app):
    merchant = factories.make_user("merchant")
    campaign = campaigns.create_campaign(merchant.id, data(), actor_id=merchant.id, ip="203.0.113.9")
    assert campaign.status == "active"
    assert campaign.allowed_hosts == "www.shop.example"
    assert len(campaign.postback_token) >= 32
    assert campaign.terms_changed_at is not None
    [event] = events("campaign.created")
    assert event.actor_id == merchant.id and event.ip == "203.0.113.9"
    assert event.object_id == str(campaign.id) and event.after["commission_rate"] == "7.5"


def test_create_keeps_given_hosts_normalised_and_clears_unused_amount(app):
    merchant = factories.make_user("merchant")
    campaign = campaigns.create_campaign(
        merchant.id, data(allowed_hosts="Shop.Example\nblog.shop.example\nshop.example", commission_fixed=5000),
        actor_id=merchant.id, ip=None)
    assert campaign.allowed_host_list == ["shop.example", "blog.shop.example"]
    assert campaign.commission_fixed is None


def test_postback_tokens_differ(app):
    merchant = factories.make_user("merchant")
    first = campaigns.create_campaign(merchant.id, data(), actor_id=merchant.id, ip=None)
    second = campaigns.create_campaign(merchant.id, data(), actor_id=merchant.id, ip=None)
    assert first.postback_token != second.postback_token


@pytest.mark.parametrize("overrides, field", [
    ({"commission_rate": Decimal("100.01")}, "commission_rate"),
    ({"commission_rate": Decimal("-1")}, "commission_rate"),
    ({"commission_rate": Decimal("1.234")}, "commission_rate"),
    ({"commission_type": "fixed", "commission_fixed": -1}, "commission_fixed"),
    ({"commission_type": "fixed", "commission_fixed": None}, "commission_fixed"),
    ({"attribution_days": 0}, "attribution_days"),
    ({"attribution_days": 366}, "attribution_days"),
    ({"hold_days": 181}, "hold_days"),
    ({"max_affiliates": 0}, "max_affiliates"),
    ({"starts_on": date(2025, 2, 2), "ends_on": date(2025, 2, 1)}, "ends_on"),
    ({"landing_url": "javascript:alert(1)"}, "landing_url"),
    ({"allowed_hosts": "shop.example\nnot a host!"}, "allowed_hosts"),
    ({"currency": "XXX"}, "currency"),
    ({"name": "  "}, "name"),
])
def test_service_refuses_what_the_rules_forbid(app, overrides, field):
    merchant = factories.make_user("merchant")
    with pytest.raises(InvalidCampaign) as caught:
        campaigns.create_campaign(merchant.id, data(**overrides), actor_id=merchant.id, ip=None)
    assert caught.value.field == field
    assert db.session.scalar(select(Campaign.id)) is None


def test_edit_keeps_recorded_commission_and_marks_terms_change(app):
    campaign = factories.make_campaign(commission_rate=Decimal("10"))
    conversion = factories.make_conversion(factories.make_click(factories.make_link(campaign)), amount=200_000)
    assert conversion.commission == 20_000
    old = datetime(2020, 1, 1)
    campaign.terms_changed_at = old
    db.session.commit()

    campaigns.update_campaign(campaign.id, {"commission_rate": Decimal("25")}, actor_id=campaign.merchant_id,
                              ip="198.51.100.1")

    db.session.refresh(conversion)
    db.session.refresh(campaign)
    assert conversion.commission == 20_000 and conversion.commission_rate == Decimal("10")
    assert campaign.commission_rate == Decimal("25") and campaign.terms_changed_at > old
    [event] = events("campaign.updated")
    assert event.before == {"commission_rate": "10.00"} and event.after == {"commission_rate": "25"}


@pytest.mark.parametrize("change", [{"currency": "USD"},
                                    {"commission_type": "fixed", "commission_fixed": 30_000}])
def test_other_terms_changes_also_mark_terms_change(app, change):
    campaign = factories.make_campaign(terms_changed_at=datetime(2020, 1, 1))
    campaigns.update_campaign(campaign.id, change, actor_id=None, ip=None)
    assert db.session.get(Campaign, campaign.id).terms_changed_at > datetime(2020, 1, 1)


def test_edit_of_other_fields_leaves_terms_date(app):
    old = datetime(2020, 1, 1)
    campaign = factories.make_campaign(terms_changed_at=old)
    campaigns.update_campaign(campaign.id, {"name": "Renamed", "hold_days": 10, "commission_rate": "10.00"},
                              actor_id=None, ip=None)
    campaign = db.session.get(Campaign, campaign.id)
    assert campaign.name == "Renamed" and campaign.hold_days == 10
    assert campaign.terms_changed_at == old
    [event] = events("campaign.updated")
    assert set(event.after) == {"name", "hold_days"}


def test_edit_without_changes_writes_no_audit(app):
    campaign = factories.make_campaign()
    campaigns.update_campaign(campaign.id, {"name": campaign.name}, actor_id=None, ip=None)
    assert events("campaign.updated") == []


@pytest.mark.parametrize("start, target, action", [
    ("active", "paused", "campaign.paused"), ("paused", "active", "campaign.resumed"),
    ("active", "ended", "campaign.ended"), ("paused", "ended", "campaign.ended"),
])
def test_allowed_status_changes(app, start, target, action):
    campaign = factories.make_campaign(status=start)
    campaigns.set_status(campaign.id, target, actor_id=campaign.merchant_id, ip="192.0.2.1")
    assert db.session.get(Campaign, campaign.id).status == target
    [event] = events(action)
    assert event.before == {"status": start} and event.after == {"status": target}


@pytest.mark.parametrize("start, target", [
    ("ended", "active"), ("ended", "paused"), ("active", "active"), ("paused", "paused"), ("active", "deleted"),
])
def test_refused_status_changes(app, start, target):
    campaign = factories.make_campaign(status=start)
    with pytest.raises(IllegalStatusChange):
        campaigns.set_status(campaign.id, target, actor_id=None, ip=None)
    assert db.session.get(Campaign, campaign.id).status == start
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action.like("campaign.%"))) is None


def test_delete_refused_once_clicked(app):
    click = factories.make_click()
    with pytest.raises(CampaignHasActivity):
        campaigns.delete_campaign(click.campaign_id, actor_id=None, ip=None)
    assert db.session.get(Campaign, click.campaign_id) is not None


def test_delete_removes_unclicked_campaign_with_members_and_links(app):
    link = factories.make_link()
    campaign_id = link.campaign_id
    campaigns.delete_campaign(campaign_id, actor_id=None, ip="192.0.2.7")
    db.session.expire_all()
    assert db.session.get(Campaign, campaign_id) is None
    assert db.session.scalar(select(Membership.id).where(Membership.campaign_id == campaign_id)) is None
    assert db.session.scalar(select(Link.id).where(Link.campaign_id == campaign_id)) is None
    [event] = events("campaign.deleted")
    assert event.object_id == str(campaign_id) and event.ip == "192.0.2.7"


@pytest.mark.parametrize("kwargs, reason", [
    ({"status": "paused"}, "paused"),
    ({"status": "ended"}, "ended"),
    ({"ends_on": TODAY - timedelta(days=1)}, "ended"),
    ({"starts_on": TODAY + timedelta(days=1)}, "not_started"),
    ({"starts_on": TODAY, "ends_on": TODAY}, None),
    ({"max_affiliates": 2}, None),
])
def test_is_joinable(app, kwargs, reason):
    campaign = factories.make_campaign(**kwargs)
    factories.make_membership(campaign, status="approved")
    assert campaigns.is_joinable(campaign, TODAY) == (reason is None, reason)
    if reason:
        with app.test_request_context():
            assert str(campaigns.JOIN_REASON_MESSAGES[reason])


def test_full_counts_only_approved_members(app):
    campaign = factories.make_campaign(max_affiliates=1)
    factories.make_membership(campaign, status="pending")
    factories.make_membership(campaign, status="removed")
    assert campaigns.is_joinable(campaign, TODAY) == (True, None)
    factories.make_membership(campaign, status="approved")
    assert campaigns.is_joinable(campaign, TODAY) == (False, "full")
