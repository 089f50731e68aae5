"""The Stripe Checkout webhook: signed events become conversions and refunds, each event once."""
import os
import time

import pytest

from app.extensions import db
from app.models.audit import ProcessedEvent
from app.models.conversions import Conversion, Refund
from app.models.money import LedgerEntry
from app.services.conversions import states, stripe_endpoint
from app.services.conversions.stripe_checkout import from_stripe
from tests import factories
from tests.concurrency import run_together
from tests.conversion_helpers import setup_click
from tests.integration_helpers import stripe_event, stripe_signature

SECRET = "whsec_test0123456789abcdefABCDEF"


@pytest.fixture
def shop(app):
    merchant = factories.make_user("merchant")
    token = stripe_endpoint.new_webhook_token(merchant.id, merchant.id)
    stripe_endpoint.set_signing_secret(merchant.id, SECRET, merchant.id)
    campaign, click = setup_click(merchant)
    return {"merchant": merchant, "token": token, "campaign": campaign, "click": click,
            "url": f"/api/v1/stripe/webhook/{token}"}


def session(click_id=None, **kw):
    values = {"id": "cs_test_a1", "object": "checkout.session", "mode": "payment", "payment_status": "paid",
              "status": "complete", "client_reference_id": click_id, "metadata": {}, "amount_total": 500000,
              "currency": "vnd", "customer_details": {"email": "buyer@example.org"}, "payment_intent": "pi_123"}
    values.update(kw)
    return values


def charge(amount_refunded, **kw):
    values = {"id": "ch_1", "object": "charge", "amount": 500000, "amount_refunded": amount_refunded,
              "currency": "vnd", "payment_intent": "pi_123", "refunded": amount_refunded == 500000}
    values.update(kw)
    return values


def deliver(client, url, payload, secret=SECRET, timestamp=None, signature=None):
    header = signature if signature is not None else stripe_signature(payload, secret, timestamp)
    return client.post(url, data=payload, headers={"Stripe-Signature": header, "Content-Type": "application/json"})


def send(client, shop, event_type, obj, event_id="evt_1"):
    return deliver(client, shop["url"], stripe_event(event_type, obj, event_id))


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_completed_session_becomes_a_conversion(client, shop):
    response = send(client, shop, "checkout.session.completed", session(shop["click"].public_id))
    assert response.status_code == 200
    conversion = db.session.scalar(db.select(Conversion))
    assert response.get_json() == {"status": "processed", "reason": None, "conversion_id": conversion.id}
    assert (conversion.order_id, conversion.amount, conversion.currency, conversion.source,
            conversion.customer_email, conversion.external_ref, conversion.click_id) == (
        "cs_test_a1", 500000, "VND", "stripe", "buyer@example.org", "pi_123", shop["click"].id)
    assert db.session.scalar(db.select(ProcessedEvent.event_id)) == "evt_1"


def test_the_click_id_may_come_in_the_metadata(client, shop):
    obj = session(None, metadata={"aff_click_id": shop["click"].public_id})
    assert send(client, shop, "checkout.session.completed", obj).get_json()["status"] == "processed"
    assert count(Conversion) == 1


def test_a_doubtful_customer_email_is_dropped_not_the_order(client, shop):
    obj = session(shop["click"].public_id, customer_details={"email": "not an email"})
    assert send(client, shop, "checkout.session.completed", obj).get_json()["status"] == "processed"
    assert db.session.scalar(db.select(Conversion.customer_email)) is None


def test_usd_amounts_are_already_in_cents(client):
    merchant = factories.make_user("merchant")
    token = stripe_endpoint.new_webhook_token(merchant.id, merchant.id)
    stripe_endpoint.set_signing_secret(merchant.id, SECRET, merchant.id)
    _campaign, click = setup_click(merchant, currency="USD")
    payload = stripe_event("checkout.session.completed",
                           session(click.public_id, amount_total=1999, currency="usd"), "evt_usd")
    assert deliver(client, f"/api/v1/stripe/webhook/{token}", payload).status_code == 200
    assert db.session.scalar(db.select(Conversion.amount)) == 1999


def test_the_same_event_twice_records_one_conversion(client, shop):
    obj = session(shop["click"].public_id)
    first = send(client, shop, "checkout.session.completed", obj)
    second = send(client, shop, "checkout.session.completed", obj)
    assert first.get_json()["status"] == "processed"
    assert second.status_code == 200 and second.get_json()["status"] == "already_processed"
    assert count(Conversion) == 1 and count(ProcessedEvent) == 1


def test_a_second_event_for_the_same_session_adds_nothing(client, shop):
    obj = session(shop["click"].public_id)
    send(client, shop, "checkout.session.completed", obj, "evt_1")
    assert send(client, shop, "checkout.session.async_payment_succeeded", obj, "evt_2").status_code == 200
    assert count(Conversion) == 1


def test_an_unpaid_session_waits_for_its_async_payment(client, shop):
    obj = session(shop["click"].public_id, payment_status="unpaid")
    response = send(client, shop, "checkout.session.completed", obj, "evt_1")
    assert response.get_json() == {"status": "ignored", "reason": "awaiting_payment"}
    assert count(Conversion) == 0
    paid = dict(obj, payment_status="paid")
    assert send(client, shop, "checkout.session.async_payment_succeeded", paid, "evt_2").status_code == 200
    assert count(Conversion) == 1


def test_a_session_without_click_id_is_acknowledged_and_ignored(client, shop):
    response = send(client, shop, "checkout.session.completed", session(None))
    assert response.status_code == 200
    assert response.get_json() == {"status": "ignored", "reason": "no_click_id"}
    assert count(Conversion) == 0


def test_another_merchants_click_is_not_credited(client, shop):
    _other_campaign, foreign_click = setup_click()
    response = send(client, shop, "checkout.session.completed", session(foreign_click.public_id))
    assert response.status_code == 200
    assert response.get_json() == {"status": "ignored", "reason": "unknown_click"}
    assert count(Conversion) == 0
    # The refusal is final: the same event is not tried again.
    again = send(client, shop, "checkout.session.completed", session(foreign_click.public_id))
    assert again.get_json()["status"] == "already_processed"


def test_other_event_types_are_ignored(client, shop):
    response = send(client, shop, "customer.created", {"id": "cus_1", "object": "customer"})
    assert response.status_code == 200 and response.get_json()["reason"] == "event_type_not_handled"


def test_a_tampered_payload_is_refused(client, shop):
    payload = stripe_event("checkout.session.completed", session(shop["click"].public_id), "evt_1")
    header = stripe_signature(payload, SECRET)
    response = deliver(client, shop["url"], payload.replace("500000", "900000"), signature=header)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_signature"
    assert count(Conversion) == 0


def test_a_wrong_secret_is_refused(client, shop):
    payload = stripe_event("checkout.session.completed", session(shop["click"].public_id), "evt_1")
    response = deliver(client, shop["url"], payload, secret="whsec_someone_else_entirely")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_signature"
    assert count(Conversion) == 0


def test_a_stale_signature_is_refused(client, shop):
    payload = stripe_event("checkout.session.completed", session(shop["click"].public_id), "evt_1")
    response = deliver(client, shop["url"], payload, timestamp=int(time.time()) - 301)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_signature"
    assert count(Conversion) == 0


@pytest.mark.parametrize("header", ["", "garbage", "t=abc,v1=00", "t=1,v0=abc", "v1=abc"])
def test_missing_or_malformed_signature_headers_are_refused(client, shop, header):
    payload = stripe_event("checkout.session.completed", session(shop["click"].public_id), "evt_1")
    response = deliver(client, shop["url"], payload, signature=header)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_signature"


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", "null", '{"id": 5}', '{"id": "evt", "type": "x"}',
                                     '{"id": "evt", "type": "checkout.session.completed", "data": {"object": 3}}'])
def test_signed_bodies_that_are_not_events_are_refused(client, shop, payload):
    response = deliver(client, shop["url"], payload)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed_event"


def test_a_body_that_is_not_utf8_is_refused(client, shop):
    response = client.post(shop["url"], data=b"\xff\xfe{}", headers={"Stripe-Signature": "t=1,v1=00"})
    assert response.status_code == 400


@pytest.mark.parametrize("token", ["nope", "x" * 65, "a%00b"])
def test_an_unknown_endpoint_is_404(client, shop, token):
    payload = stripe_event("checkout.session.completed", session(shop["click"].public_id), "evt_1")
    response = deliver(client, f"/api/v1/stripe/webhook/{token}", payload)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_an_endpoint_without_its_secret_refuses_events(client):
    merchant = factories.make_user("merchant")
    token = stripe_endpoint.new_webhook_token(merchant.id, merchant.id)
    response = deliver(client, f"/api/v1/stripe/webhook/{token}", stripe_event("x", {}, "evt_1"))
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "signing_secret_missing"


def test_a_replaced_address_stops_working(client, shop):
    stripe_endpoint.new_webhook_token(shop["merchant"].id, shop["merchant"].id)
    assert send(client, shop, "checkout.session.completed", session(shop["click"].public_id)).status_code == 404


def test_partial_then_full_refund_reverses_the_commission(client, shop):
    send(client, shop, "checkout.session.completed", session(shop["click"].public_id), "evt_paid")
    conversion = db.session.scalar(db.select(Conversion))
    states.approve(conversion.id, shop["merchant"].id)

    partial = send(client, shop, "charge.refunded", charge(200000), "evt_r1")
    assert partial.status_code == 200 and partial.get_json()["status"] == "processed"
    db.session.refresh(conversion)
    assert (conversion.refunded_amount, conversion.status) == (200000, "approved")

    full = send(client, shop, "charge.refunded", charge(500000), "evt_r2")
    assert full.get_json()["status"] == "processed"
    db.session.refresh(conversion)
    assert (conversion.refunded_amount, conversion.commission_reversed, conversion.status) == (
        500000, 50000, "reversed")
    assert sorted(db.session.scalars(db.select(Refund.amount))) == [200000, 300000]
    ledger = list(db.session.scalars(db.select(LedgerEntry.amount).order_by(LedgerEntry.id)))
    assert ledger[0] == 50000 and sum(ledger) == 0 and len(ledger) == 3


def test_a_repeated_refund_event_refunds_once(client, shop):
    send(client, shop, "checkout.session.completed", session(shop["click"].public_id), "evt_paid")
    send(client, shop, "charge.refunded", charge(200000), "evt_r1")
    again = send(client, shop, "charge.refunded", charge(200000), "evt_r1")
    assert again.get_json()["status"] == "already_processed"
    # The same running total under another event id adds nothing either.
    other = send(client, shop, "charge.refunded", charge(200000), "evt_r1b")
    assert other.get_json() == {"status": "ignored", "reason": "nothing_to_refund",
                                "conversion_id": db.session.scalar(db.select(Conversion.id))}
    assert count(Refund) == 1
    assert db.session.scalar(db.select(Conversion.refunded_amount)) == 200000


def test_refund_events_out_of_order_end_at_the_full_refund(client, shop):
    send(client, shop, "checkout.session.completed", session(shop["click"].public_id), "evt_paid")
    send(client, shop, "charge.refunded", charge(500000), "evt_r2")
    late = send(client, shop, "charge.refunded", charge(200000), "evt_r1")
    assert late.get_json()["reason"] == "nothing_to_refund"
    conversion = db.session.scalar(db.select(Conversion))
    assert (conversion.refunded_amount, conversion.status) == (500000, "rejected")


def test_a_refund_of_a_payment_we_do_not_know_is_ignored(client, shop):
    response = send(client, shop, "charge.refunded", charge(100, payment_intent="pi_other"), "evt_r1")
    assert response.status_code == 200 and response.get_json()["reason"] == "unknown_payment"
    assert count(ProcessedEvent) == 0


def test_a_refund_in_another_currency_is_refused(client, shop):
    send(client, shop, "checkout.session.completed", session(shop["click"].public_id), "evt_paid")
    response = send(client, shop, "charge.refunded", charge(100, currency="usd"), "evt_r1")
    assert response.get_json()["reason"] == "invalid_amount"
    assert count(Refund) == 0


def test_from_stripe_amounts():
    assert from_stripe(150000, "VND") == 150000
    assert from_stripe(1999, "USD") == 1999
    assert from_stripe(500, "JPY") == 500
    assert from_stripe(12300, "ISK") == 123  # Stripe writes ISK with two decimals
    assert from_stripe(12345, "ISK") is None
    assert from_stripe(1230, "BHD") == 1230
    for bad in (None, "100", 1.5, -1, True):
        assert from_stripe(bad, "USD") is None
    assert from_stripe(100, "US") is None


postgres_only = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                   reason="real concurrency needs Postgres")


@pytest.mark.postgres
@postgres_only
def test_concurrent_deliveries_of_one_event_record_once(app, shop):
    payload = stripe_event("checkout.session.completed", session(shop["click"].public_id), "evt_race")
    header = stripe_signature(payload, SECRET)
    url = shop["url"]
    db.session.remove()

    def deliver_once(_i):
        return app.test_client().post(url, data=payload, headers={"Stripe-Signature": header}).get_json()

    answers = run_together(app, 4, deliver_once)
    assert sorted(a["status"] for a in answers).count("processed") == 1
    assert {a["status"] for a in answers} <= {"processed", "already_processed"}
    assert count(Conversion) == 1 and count(ProcessedEvent) == 1
