"""Webhooks leave with their change, signed, to a real HTTP server in the test; retried, then given up."""
import json
from datetime import timedelta

import pytest
import redis
from sqlalchemy import func, select

from app.blueprints.api.responses import WebhookDelivery as WebhookBody
from app.extensions import db
from app.models.common import utcnow
from app.models.users import User
from app.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.services.conversions import states
from app.services.webhooks import delivery, outbox
from tests import factories
from tests.conversion_helpers import make_key, setup_click
from tests.servers import free_port
from tests.webhook_helpers import Receiver, make_endpoint, verify


@pytest.fixture
def local_hosts(app, monkeypatch):
    """The receiver listens on loopback, which only the self-hosted setting lets in."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_HOSTS", True)


@pytest.fixture
def shop(app, local_hosts):
    merchant, key = make_key()
    campaign, click = setup_click(merchant, hold_days=30)
    return {"merchant": merchant, "key": key, "campaign": campaign, "click": click}


def report_order(client, shop, order_id="A-1"):
    return client.post("/api/v1/conversions", headers={"Authorization": f"Bearer {shop['key']}"},
                       json={"click_id": shop["click"].public_id, "order_id": order_id, "amount": 150000,
                             "currency": "VND"})


def deliveries():
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)
                                   .execution_options(populate_existing=True)))


def make_due(delivery_id):
    db.session.execute(WebhookDelivery.__table__.update().where(WebhookDelivery.id == delivery_id)
                       .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_a_recorded_conversion_reaches_the_merchant_signed(client, shop):
    with Receiver() as receiver:
        endpoint = make_endpoint(shop["merchant"], receiver.url, ["conversion.created"])
        response = report_order(client, shop)
        assert response.status_code == 201
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert headers["content-type"] == "application/json"
    assert verify(endpoint.secret, headers["x-webhook-signature"], body)
    assert not verify("whsec_other", headers["x-webhook-signature"], body)
    assert not verify(endpoint.secret, headers["x-webhook-signature"], body.replace(b"150000", b"950000"))
    sent = json.loads(body)
    assert set(sent) == {"id", "type", "created", "data"}
    WebhookBody.model_validate(sent)  # what the OpenAPI document's `webhooks` promise
    assert sent["type"] == "conversion.created" and sent["id"] == headers["x-webhook-id"]
    assert sent["data"]["id"] == response.get_json()["id"] and sent["data"]["amount"] == 150000
    assert [d.status for d in deliveries()] == ["delivered"]
    assert deliveries()[0].response_status == 200


def test_each_owner_hears_only_what_concerns_them(client, shop):
    other_merchant, _key = make_key()
    affiliate = db.session.get(User, shop["click"].affiliate_id)
    admin = factories.make_user("admin")
    with Receiver() as receiver:
        mine = make_endpoint(shop["merchant"], receiver.url)
        make_endpoint(other_merchant, receiver.url)
        theirs = make_endpoint(affiliate, receiver.url, ["conversion.created"])
        everything = make_endpoint(admin, receiver.url)
        make_endpoint(shop["merchant"], receiver.url, ["membership.requested"])
        assert report_order(client, shop).status_code == 201
    assert sorted(d.endpoint_id for d in deliveries()) == sorted([mine.id, theirs.id, everything.id])
    assert len(receiver.received) == 3


def test_state_changes_and_refunds_are_events(client, shop):
    with Receiver() as receiver:
        make_endpoint(shop["merchant"], receiver.url)
        conversion_id = report_order(client, shop).get_json()["id"]
        states.transition(conversion_id, "approved", shop["merchant"].id)
        refund = client.post(f"/api/v1/conversions/{conversion_id}/refunds",
                             headers={"Authorization": f"Bearer {shop['key']}"}, json={"amount": 150000})
        assert refund.status_code == 201
    kinds = [(body["type"], body["data"]["status"]) for body in receiver.bodies()]
    assert kinds == [("conversion.created", "pending"), ("conversion.approved", "approved"),
                     ("conversion.refunded", "reversed")]
    assert receiver.bodies()[-1]["data"]["refund"]["amount"] == 150000


def test_a_change_that_rolls_back_sends_nothing(app, shop):
    with Receiver() as receiver:
        make_endpoint(shop["merchant"], receiver.url)
        made = factories.make_conversion(shop["click"])
        outbox.conversion_event("conversion.approved", made)
        assert db.session.info[outbox.PENDING]
        db.session.rollback()
        assert outbox.PENDING not in db.session.info
        db.session.commit()  # a later commit does not send what was rolled back
    assert receiver.received == []
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


def test_failures_are_retried_with_backoff_then_the_endpoint_is_disabled_and_its_owner_told(
        app, client, shop, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_DISABLE_AFTER", 3)
    with Receiver(status=500) as receiver:
        endpoint = make_endpoint(shop["merchant"], receiver.url, ["conversion.created"])
        assert report_order(client, shop).status_code == 201
        first = deliveries()[0]
        assert (first.status, first.attempts, first.response_status) == ("pending", 1, 500)
        assert timedelta(seconds=55) < first.next_attempt_at - first.last_attempt_at <= timedelta(minutes=1)
        assert delivery.attempt(first.id) is None  # not due yet: nothing sent
        make_due(first.id)
        assert delivery.attempt(first.id) == "pending"
        second = deliveries()[0]
        assert second.attempts == 2 and second.next_attempt_at - second.last_attempt_at == timedelta(minutes=2)
        assert db.session.get(WebhookEndpoint, endpoint.id).is_active
        make_due(first.id)
        delivery.attempt(first.id)
    assert len(receiver.received) == 3
    db.session.expire_all()
    disabled = db.session.get(WebhookEndpoint, endpoint.id)
    assert not disabled.is_active and "3 failures in a row" in disabled.disabled_reason
    mails = [mail for mail in app.extensions["mail_outbox"] if "webhook" in mail["subject"]]
    assert [mail["to"] for mail in mails] == [shop["merchant"].email]
    assert f"/webhooks/{endpoint.id}" in mails[0]["body"]
    make_due(first.id)
    assert delivery.due() == [] and delivery.attempt(first.id) is None  # a disabled endpoint gets nothing


def test_a_delivery_is_given_up_after_a_day(app, client, shop):
    with Receiver(status=503) as receiver:
        make_endpoint(shop["merchant"], receiver.url, ["conversion.created"])
        report_order(client, shop)
        first = deliveries()[0]
        db.session.execute(WebhookDelivery.__table__.update().values(created_at=utcnow() - timedelta(hours=24),
                                                                       next_attempt_at=utcnow()))
        db.session.commit()
        assert delivery.attempt(first.id) == "failed"
    assert delivery.due() == []


def test_backoff_doubles_up_to_four_hours():
    assert [delivery.backoff(n) for n in (1, 2, 3, 9, 30)] == [
        timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(hours=4), timedelta(hours=4)]


def test_the_outbox_keeps_events_while_redis_is_down(app, client, shop, monkeypatch):
    working = app.extensions["redis"]
    with Receiver() as receiver:
        make_endpoint(shop["merchant"], receiver.url, ["conversion.created"])
        # Nothing listens on this port: every Redis command fails as when the server is down.
        monkeypatch.setitem(app.extensions, "redis", redis.Redis(port=free_port(), socket_connect_timeout=0.2))
        response = report_order(client, shop)
        assert response.status_code == 201
        assert receiver.received == []
        assert [d.status for d in deliveries()] == ["pending"]
        monkeypatch.setitem(app.extensions, "redis", working)
        assert delivery.sweep() == 1
    assert [body["data"]["id"] for body in receiver.bodies()] == [response.get_json()["id"]]
    assert [d.status for d in deliveries()] == ["delivered"]


def test_a_redirect_to_a_link_local_address_is_not_followed(app, client, shop):
    with Receiver(status=307, location="http://169.254.169.254/latest/meta-data/") as receiver:
        make_endpoint(shop["merchant"], receiver.url, ["conversion.created"])
        report_order(client, shop)
    failed = deliveries()[0]
    assert failed.status == "pending" and failed.response_status is None
    assert failed.error.startswith("refused:")


def test_a_public_address_that_now_resolves_to_loopback_is_not_called(app, client, shop, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_HOSTS", False)
    with Receiver() as receiver:
        make_endpoint(shop["merchant"], receiver.url.replace("127.0.0.1", "localhost"), ["conversion.created"])
        report_order(client, shop)
    assert receiver.received == []
    assert deliveries()[0].error.startswith("refused:")
