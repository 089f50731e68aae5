"""The platform's Connect webhook: signed events, each once, in any order."""
import time

import pytest

from app.extensions import db
from app.models.audit import ProcessedEvent
from app.models.stripe_connect import StripeBankPayout, StripePayoutItem, StripePayoutRun
from app.services.stripe_connect import accounts, claims
from tests import factories
from tests.payout_helpers import ledger_keys
from tests.stripe_helpers import (
    AMOUNT,
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    books_are_clean,
    connected_affiliate,
    daily_run,
    deliver,
    request_of,
    signed,
    stripe_payout,
)


def events_stored() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(ProcessedEvent))


def left_processing_with_a_transfer(fake):
    """A Stripe payout whose run died after Stripe made the transfer and before our commit."""
    affiliate, account = connected_affiliate(fake)
    request_id = stripe_payout(affiliate)
    run = StripePayoutRun(kind="admin", status="running")
    db.session.add(run)
    db.session.commit()
    claims.claim(run, [request_id], None)
    transfer = fake.state.create_transfer({"amount": str(AMOUNT), "currency": "usd",
                                           "destination": account.account_id,
                                           "transfer_group": f"payout-request-{request_id}",
                                           "metadata": {"payout_request_id": str(request_id)}})
    return affiliate, request_id, transfer


def test_account_updated_records_the_new_state(app, client, fake_stripe):
    affiliate, account = connected_affiliate(fake_stripe, "new")
    event = fake_stripe.set_account_state(account.account_id, "ready")
    response = deliver(client, event)
    assert response.status_code == 200 and response.json == {"status": "processed", "reason": None}
    assert response.headers["Cache-Control"] == "no-store"
    assert accounts.account_of(affiliate.id).status == "ready" and events_stored() == 1
    assert deliver(client, event).json["status"] == "already_processed" and events_stored() == 1


@pytest.mark.parametrize("trouble", ["wrong secret", "no header", "old", "tampered"])
def test_a_delivery_without_a_valid_signature_is_refused(app, client, fake_stripe, trouble):
    affiliate, account = connected_affiliate(fake_stripe, "new")
    event = fake_stripe.set_account_state(account.account_id, "ready")
    payload, header = signed(event, secret="whsec_someone_elses_secret_0000" if trouble == "wrong secret" else
                             WEBHOOK_SECRET, timestamp=int(time.time()) - 3600 if trouble == "old" else None)
    if trouble == "tampered":
        payload = payload.replace('"ready"', '"other"').replace('"active"', '"inactive"')
    headers = {"Content-Type": "application/json"} | ({} if trouble == "no header" else {"Stripe-Signature": header})
    response = client.post(WEBHOOK_URL, data=payload, headers=headers)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_signature"
    assert accounts.account_of(affiliate.id).status == "details_needed" and events_stored() == 0


def test_both_signing_secrets_of_the_platform_are_accepted(app, client, fake_stripe, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_CONNECT_WEBHOOK_SECRET",
                        "whsec_platform_events_000000, whsec_connected_1111111")
    affiliate, account = connected_affiliate(fake_stripe, "new")
    event = fake_stripe.set_account_state(account.account_id, "ready")
    assert deliver(client, event, secret="whsec_connected_1111111").status_code == 200
    assert accounts.account_of(affiliate.id).status == "ready"


def test_without_a_secret_the_endpoint_takes_nothing(app, client, fake_stripe, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_CONNECT_WEBHOOK_SECRET", "")
    response = deliver(client, {"id": "evt_1", "type": "account.updated"})
    assert response.status_code == 503 and response.json["error"]["code"] == "not_configured"


def test_a_body_that_is_not_an_event_is_refused(app, client, fake_stripe):
    for body in ({"id": "evt_2", "type": "account.updated"}, {"object": "event"}):
        response = deliver(client, body)
        assert response.status_code == 400 and response.json["error"]["code"] == "malformed_event"


def test_other_events_are_acknowledged_and_ignored(app, client, fake_stripe):
    event = {"id": "evt_other", "object": "event", "type": "charge.succeeded", "created": int(time.time()),
             "data": {"object": {"id": "ch_1", "object": "charge"}}}
    response = deliver(client, event)
    assert response.status_code == 200 and response.json == {"status": "ignored", "reason": "event_type_not_handled"}
    unknown = {**fake_stripe.state.create_account({"type": "express"}), "id": "acct_notours00000001"}
    response = deliver(client, {**event, "id": "evt_acct", "type": "account.updated", "data": {"object": unknown}})
    assert response.json == {"status": "ignored", "reason": "unknown_account"}


def test_transfer_created_records_a_transfer_a_dead_run_made(app, client, fake_stripe, outbox):
    affiliate, request_id, transfer = left_processing_with_a_transfer(fake_stripe)
    (event,) = [e for e in fake_stripe.events("transfer.created") if e["data"]["object"]["id"] == transfer["id"]]
    assert deliver(client, event).json["status"] == "processed"
    paid = request_of(request_id)
    assert (paid.status, paid.stripe_transfer_id) == ("paid", transfer["id"])
    item = db.session.scalar(db.select(StripePayoutItem).where(StripePayoutItem.payout_request_id == request_id))
    assert (item.outcome, item.transfer_id) == ("sent", transfer["id"])
    assert any(m["to"] == affiliate.email and "was sent" in m["subject"] for m in outbox)
    assert daily_run()["run"] and len(fake_stripe.transfers(group=f"payout-request-{request_id}")) == 1
    assert books_are_clean()


def test_a_reversal_before_the_creation_still_ends_right(app, client, fake_stripe):
    affiliate, request_id, transfer = left_processing_with_a_transfer(fake_stripe)
    fake_stripe.state.create_reversal(transfer["id"], {"amount": "1000"})
    fake_stripe.state.create_reversal(transfer["id"], {})
    created = next(e for e in fake_stripe.events("transfer.created") if e["data"]["object"]["id"] == transfer["id"])
    partly, fully = [e for e in fake_stripe.events("transfer.reversed") if e["data"]["object"]["id"] == transfer["id"]]
    assert deliver(client, fully).json["status"] == "processed"  # the last news first
    request = request_of(request_id)
    assert (request.status, request.reversed_amount, request.stripe_transfer_id) == ("reversed", AMOUNT, transfer["id"])
    for late in (partly, created, fully):
        assert deliver(client, late).status_code == 200
    assert request_of(request_id).status == "reversed"
    releases = [key for key, _amount in ledger_keys(affiliate.id) if key.startswith("release:")]
    assert releases == [f"release:payout:{request_id}:reversed:{AMOUNT}"]
    assert books_are_clean()


def test_partial_reversals_arriving_twice_release_once_each(app, client, fake_stripe):
    affiliate, _account = connected_affiliate(fake_stripe)
    request_id = stripe_payout(affiliate)
    daily_run()
    transfer_id = request_of(request_id).stripe_transfer_id
    fake_stripe.state.create_reversal(transfer_id, {"amount": "1000"})
    fake_stripe.state.create_reversal(transfer_id, {"amount": "500"})
    first, second = fake_stripe.events("transfer.reversed")
    for event in (second, first, second, first):
        assert deliver(client, event).status_code == 200
    request = request_of(request_id)
    assert (request.status, request.reversed_amount) == ("paid", 1_500)
    assert [k for k, _a in ledger_keys(affiliate.id) if k.startswith("release:")] == [
        f"release:payout:{request_id}:reversed:1500"]
    assert books_are_clean()


def test_a_transfer_that_does_not_match_its_request_is_not_recorded(app, client, fake_stripe, outbox):
    admin = factories.make_user("admin")
    _affiliate, request_id, transfer = left_processing_with_a_transfer(fake_stripe)
    event = next(e for e in fake_stripe.events("transfer.created") if e["data"]["object"]["id"] == transfer["id"])
    event["data"]["object"]["amount"] = AMOUNT * 10
    response = deliver(client, event)
    assert response.json == {"status": "ignored", "reason": "transfer_not_recorded"}
    assert request_of(request_id).status == "processing"
    assert any(m["to"] == admin.email and "not recorded" in m["subject"] for m in outbox)


def test_bank_payouts_of_a_connected_account_are_shown_as_arrived_or_refused(app, client, fake_stripe, outbox):
    affiliate, account = connected_affiliate(fake_stripe)
    paid_events = fake_stripe.state.pay_out(account.account_id, 2_500, "usd")
    failed_events = fake_stripe.state.pay_out(account.account_id, 700, "usd", fail="account_closed")
    for event in (*paid_events, *failed_events):
        assert deliver(client, event).status_code == 200
    rows = {row.amount: row for row in db.session.scalars(db.select(StripeBankPayout))}
    assert rows[2_500].status == "paid" and rows[700].status == "failed"
    assert rows[700].failure_code == "account_closed" and rows[700].user_id == affiliate.id
    refused = [m for m in outbox if m["to"] == affiliate.email and "refused" in m["subject"]]
    assert len(refused) == 1 and "$7.00" in refused[0]["subject"]
    late_paid = {**failed_events[1], "id": "evt_late", "created": failed_events[1]["created"] - 10,
                 "type": "payout.paid", "data": {"object": {**failed_events[1]["data"]["object"], "status": "paid"}}}
    deliver(client, late_paid)
    db.session.expire_all()
    assert db.session.get(StripeBankPayout, rows[700].id).status == "failed"  # older news changes nothing
