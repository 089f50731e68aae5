"""The emails people may turn off, and the senders that listen to those choices."""
import pytest

from app.extensions import db
from app.models.audit import AuditEvent
from app.services.accounts import notifications
from app.services.campaigns import memberships
from app.services.conversions import record, states
from app.services.payouts import states as payout_states
from tests.factories import make_campaign, make_click, make_conversion, make_link, make_membership, make_user
from tests.payout_helpers import affiliate_with_details, earn
from tests.payout_helpers import requests as payout_requests


def turn_off(user, kind):
    notifications.save(user, {k for k, _label in notifications.choices_for(user.role)} - {kind})


def to(outbox, user):
    return [m for m in outbox if m["to"] == user.email]


@pytest.mark.parametrize(("role", "kinds"), [
    ("affiliate", {"new_conversion", "conversion_decided", "payout_state", "application_decided"}),
    ("merchant", {"new_conversion"}),
    ("admin", {"payout_state"}),
])
def test_each_role_is_offered_its_own_emails_all_on_at_first(app, role, kinds):
    user = make_user(role)
    assert {kind for kind, _label in notifications.choices_for(role)} == kinds
    assert all(notifications.wants(user, kind) for kind in kinds)
    assert not notifications.wants(user, ({"new_conversion", "conversion_decided", "payout_state",
                                           "application_decided"} - kinds or {"x"}).pop())


def test_saving_keeps_only_the_chosen_and_audits_the_change(app):
    user = make_user("affiliate")
    notifications.save(user, ["payout_state"], ip="203.0.113.9")
    assert [k for k in ("new_conversion", "conversion_decided", "payout_state", "application_decided")
            if notifications.wants(user, k)] == ["payout_state"]
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.notifications_changed"))
    assert event.after["new_conversion"] is False and event.after["payout_state"] is True


def recorded(link, click=None):
    click = click or make_click(link)
    conversion, _created = record.record_conversion(
        merchant_id=link.campaign.merchant_id, campaign_id=None, click_public_id=click.public_id, order_id="A-1",
        amount=500_000, currency="VND", source="api")
    return conversion


def test_a_new_conversion_is_emailed_to_its_affiliate_and_merchant(app, outbox):
    link = make_link(make_campaign(name="Tết"))
    affiliate, merchant = link.affiliate, link.campaign.merchant
    conversion = recorded(link)
    [to_affiliate] = to(outbox, affiliate)
    [to_merchant] = to(outbox, merchant)
    assert "A-1" in to_affiliate["body"] and "50,000" in to_affiliate["subject"]  # 10 % commission
    assert affiliate.name in to_merchant["body"] and "/conversions" in to_merchant["body"]
    # The same order again is no new conversion: no new email.
    sent = len(outbox)
    recorded(link, conversion.click)
    assert len(outbox) == sent


def test_a_new_conversion_is_not_emailed_to_who_turned_it_off(app, outbox):
    link = make_link()
    turn_off(link.affiliate, "new_conversion")
    turn_off(link.campaign.merchant, "new_conversion")
    recorded(link)
    assert outbox == []


def test_decisions_in_bulk_make_one_email_per_affiliate(app, outbox):
    campaign = make_campaign()
    lan, minh = make_user("affiliate"), make_user("affiliate")
    ids = [make_conversion(make_click(make_link(campaign, affiliate))).id
           for affiliate in (lan, lan, lan, minh)]
    assert states.approve_many(ids, campaign.merchant) == 4
    [to_lan] = to(outbox, lan)
    [to_minh] = to(outbox, minh)
    assert to_lan["subject"] == "3 of your conversions were approved"
    assert to_minh["subject"] == "1 of your conversions was approved"
    assert to_lan["body"].count("\n- order ") + to_lan["body"].startswith("- order ") == 3


def test_a_rejection_carries_its_reason_unless_the_affiliate_turned_decisions_off(app, outbox):
    conversion = make_conversion()
    states.reject(conversion.id, None, "duplicate order")
    [message] = outbox
    assert "duplicate order" in message["body"] and message["subject"] == "1 of your conversions was rejected"

    other = make_conversion()
    turn_off(other.affiliate, "conversion_decided")
    states.reject(other.id, None, "test order")
    assert to(outbox, other.affiliate) == []


def test_application_decisions_respect_the_choice(app, outbox):
    campaign = make_campaign(join_mode="review")
    affiliate = make_user("affiliate")
    turn_off(affiliate, "application_decided")
    memberships.decide(make_membership(campaign, affiliate, status="pending").id, True, campaign.merchant_id)
    assert to(outbox, affiliate) == []


def test_payout_emails_respect_the_choice(app, outbox):
    affiliate = affiliate_with_details()
    earn(affiliate, 1_000_000)
    turn_off(affiliate, "payout_state")
    request = payout_requests.request_payout(affiliate.id, 100_000, "VND")
    payout_states.approve(request.id, None)
    assert to(outbox, affiliate) == []
