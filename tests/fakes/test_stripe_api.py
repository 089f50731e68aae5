"""The stand-in Stripe, driven through the real `stripe` library: shapes, idempotency, failures."""
import json
import threading
import urllib.error
import urllib.request

import pytest
import stripe

from tests.fakes.stripe_api.fake import FakeStripe
from tests.fakes.stripe_api.shapes import check, check_list


@pytest.fixture(scope="module")
def fake():
    with FakeStripe() as running:
        running.top_up("usd", 10_000_000)
        yield running


@pytest.fixture
def client(fake):
    return stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url}, max_network_retries=0,
                               http_client=stripe.RequestsClient(timeout=3))


def plain(obj) -> dict:
    return json.loads(json.dumps(obj.to_dict()))


def transfer_params(destination, amount=1500, group="payout-request-1", **extra):
    return {"amount": amount, "currency": "usd", "destination": destination, "transfer_group": group,
            "metadata": {"payout_request_id": group.rsplit("-", 1)[-1]}, **extra}


def test_an_express_account_is_onboarded_through_the_hosted_link(fake, client):
    account = client.v1.accounts.create({"type": "express", "country": "DE", "email": "a@example.com",
                                         "capabilities": {"transfers": {"requested": True}},
                                         "tos_acceptance": {"service_agreement": "recipient"}})
    assert check(plain(account), "account") == []
    assert account.capabilities["transfers"] == "inactive" and not account.details_submitted
    assert "external_account" in account.requirements["currently_due"]
    link = client.v1.account_links.create({"account": account.id, "type": "account_onboarding",
                                           "refresh_url": "http://app.test/refresh", "return_url": "http://app.test/back"})
    assert check(plain(link), "account_link") == []

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    form = opener.open(link.url).read().decode()
    assert "Agree and submit" in form
    with pytest.raises(urllib.error.HTTPError) as submitted:
        opener.open(urllib.request.Request(link.url + "/submit", data=b"", method="POST"))
    assert submitted.value.code == 302 and submitted.value.headers["Location"] == "http://app.test/back"
    with pytest.raises(urllib.error.HTTPError) as reused:
        opener.open(link.url)
    assert reused.value.headers["Location"] == "http://app.test/refresh"  # a link works once

    ready = client.v1.accounts.retrieve(account.id)
    assert ready.capabilities["transfers"] == "active" and ready.payouts_enabled
    assert ready.tos_acceptance["service_agreement"] == "recipient"
    updated = fake.events("account.updated")[-1]
    assert check(updated, "event") == [] and updated["account"] == account.id
    assert check(plain(client.v1.accounts.login_links.create(account.id)), "login_link") == []


def test_vietnam_gets_no_express_account(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.accounts.create({"type": "express", "country": "VN"})
    assert refused.value.code == "country_unsupported"
    assert check(refused.value.json_body, "error") == []


def test_transfers_are_created_listed_by_group_and_paged(fake, client):
    destination = fake.ready_account()["id"]
    made = [client.v1.transfers.create(transfer_params(destination, 100 + i, group="payout-request-77"))
            for i in range(3)]
    other = client.v1.transfers.create(transfer_params(destination, group="payout-request-78"))
    assert all(check(plain(t), "transfer") == [] for t in made)
    page = client.v1.transfers.list({"transfer_group": "payout-request-77", "limit": 2})
    assert check_list(plain(page), "transfer") == []
    assert [t.id for t in page.data] == [made[2].id, made[1].id] and page.has_more  # newest first
    rest = client.v1.transfers.list({"transfer_group": "payout-request-77", "limit": 2,
                                     "starting_after": made[1].id})
    assert [t.id for t in rest.data] == [made[0].id] and not rest.has_more
    everything = [t.id for t in client.v1.transfers.list({"destination": destination}).auto_paging_iter()]
    assert set(everything) == {t.id for t in made} | {other.id}
    assert client.v1.transfers.retrieve(other.id).amount == 1500


def test_one_idempotency_key_makes_one_transfer(fake, client):
    destination = fake.ready_account()["id"]
    options = {"idempotency_key": "payout-request-501"}
    first = client.v1.transfers.create(transfer_params(destination, group="payout-request-501"), options)
    again = client.v1.transfers.create(transfer_params(destination, group="payout-request-501"), options)
    assert again.id == first.id and len(fake.transfers(destination)) == 1
    assert fake.calls("POST", "/v1/transfers")[-1].replayed
    with pytest.raises(stripe.IdempotencyError) as changed:
        client.v1.transfers.create(transfer_params(destination, 999, group="payout-request-501"), options)
    assert changed.value.http_status == 400 and check(changed.value.json_body, "error") == []
    fake.advance(24 * 3600 + 1)  # the key is forgotten after a day
    later = client.v1.transfers.create(transfer_params(destination, group="payout-request-501"), options)
    assert later.id != first.id and len(fake.transfers(destination)) == 2


def test_a_500_after_creating_is_kept_for_the_key(fake, client):
    destination = fake.ready_account()["id"]
    fake.fail("POST", "/v1/transfers", "error_after")
    options = {"idempotency_key": "payout-request-601"}
    for _ in range(2):  # the retry gets the same 500: only a lookup finds the transfer
        with pytest.raises(stripe.APIError) as failed:
            client.v1.transfers.create(transfer_params(destination, group="payout-request-601"), options)
        assert failed.value.http_status == 500
    found = client.v1.transfers.list({"transfer_group": "payout-request-601"})
    assert len(found.data) == 1 and len(fake.transfers(destination)) == 1


def test_refusals_before_execution_leave_nothing_behind(fake, client):
    destination = fake.ready_account()["id"]
    options = {"idempotency_key": "payout-request-701"}
    fake.fail("POST", "/v1/transfers", "rate_limit")
    with pytest.raises(stripe.RateLimitError):
        client.v1.transfers.create(transfer_params(destination, group="payout-request-701"), options)
    fake.fail("POST", "/v1/transfers", "unavailable")
    with pytest.raises(stripe.APIError) as unavailable:
        client.v1.transfers.create(transfer_params(destination, group="payout-request-701"), options)
    assert unavailable.value.http_status == 503 and fake.transfers(destination) == []
    made = client.v1.transfers.create(transfer_params(destination, group="payout-request-701"), options)
    assert [t["id"] for t in fake.transfers(destination)] == [made.id]


def test_a_timeout_after_creating_leaves_the_transfer(fake):
    destination = fake.ready_account()["id"]
    impatient = stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url}, max_network_retries=0,
                                    http_client=stripe.RequestsClient(timeout=0.3))
    fake.fail("POST", "/v1/transfers", "timeout_after", delay=1.0)
    with pytest.raises(stripe.APIConnectionError):
        impatient.v1.transfers.create(transfer_params(destination, group="payout-request-801"),
                                      {"idempotency_key": "payout-request-801"})
    assert len(fake.transfers(destination)) == 1


def test_a_held_request_dropped_unanswered_has_no_effect(fake, client):
    destination = fake.ready_account()["id"]
    fault = fake.fail("POST", "/v1/transfers", "hold_before")
    errors = []

    def call():
        try:
            client.v1.transfers.create(transfer_params(destination, group="payout-request-901"),
                                       {"idempotency_key": "payout-request-901"})
        except stripe.StripeError as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    assert fault.reached.wait(5)
    with pytest.raises(stripe.APIError) as in_use:  # the key is busy while the first one runs
        client.v1.transfers.create(transfer_params(destination, group="payout-request-901"),
                                   {"idempotency_key": "payout-request-901"})
    assert in_use.value.http_status == 409 and in_use.value.json_body["error"]["code"] == "idempotency_key_in_use"
    fault.release.set()
    caller.join(5)
    assert isinstance(errors[0], stripe.APIConnectionError) and fake.transfers(destination) == []


@pytest.mark.parametrize("state", ["new", "pending_verification", "restricted"])
def test_an_account_that_is_not_ready_gets_no_transfer(fake, client, state):
    destination = fake.account_in(state)["id"]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.transfers.create(transfer_params(destination))
    assert refused.value.code == "insufficient_capabilities_for_transfer"
    assert check(refused.value.json_body, "error") == []


def test_balance_and_refusals_for_money_and_parameters(fake, client):
    balance = plain(client.v1.balance.retrieve())
    assert check(balance, "balance") == []
    usd = next(a["amount"] for a in balance["available"] if a["currency"] == "usd")
    destination = fake.ready_account()["id"]
    with pytest.raises(stripe.InvalidRequestError) as poor:
        client.v1.transfers.create(transfer_params(destination, usd + 1))
    assert poor.value.code == "balance_insufficient"
    with pytest.raises(stripe.InvalidRequestError) as nowhere:
        client.v1.transfers.create(transfer_params("acct_doesnotexist0000"))
    assert nowhere.value.code == "resource_missing" and nowhere.value.param == "destination"
    with pytest.raises(stripe.InvalidRequestError) as no_currency:
        client.v1.transfers.create({"amount": 5, "destination": destination})
    assert no_currency.value.param == "currency"
    with pytest.raises(stripe.AuthenticationError):
        stripe.StripeClient("sk_test_wrong", base_addresses={"api": fake.url}).v1.balance.retrieve()


def test_reversals_give_the_money_back_in_parts(fake, client):
    destination = fake.ready_account()["id"]
    transfer = client.v1.transfers.create(transfer_params(destination, 1000, group="payout-request-1001"))
    before = fake.state.available["usd"]
    part = client.v1.transfers.reversals.create(transfer.id, {"amount": 300})
    assert check(plain(part), "transfer_reversal") == []
    rest = client.v1.transfers.reversals.create(transfer.id)
    assert rest.amount == 700 and fake.state.available["usd"] == before + 1000
    reversed_transfer = client.v1.transfers.retrieve(transfer.id)
    assert reversed_transfer.reversed and reversed_transfer.amount_reversed == 1000
    assert check(plain(reversed_transfer), "transfer") == []
    events = [e for e in fake.events("transfer.reversed") if e["data"]["object"]["id"] == transfer.id]
    assert [e["data"]["object"]["amount_reversed"] for e in events] == [300, 1000]
    assert all(check(e, "event") == [] for e in events)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.reversals.create(transfer.id, {"amount": 1})


def test_bank_payouts_of_a_connected_account_send_events(fake):
    account = fake.ready_account()["id"]
    paid = fake.state.pay_out(account, 500, "usd")[-1]
    failed = fake.state.pay_out(account, 700, "usd", fail="account_closed")[-1]
    assert paid["type"] == "payout.paid" and failed["data"]["object"]["failure_code"] == "account_closed"
    assert check(paid, "event") == [] and check(failed, "event") == [] and failed["account"] == account
