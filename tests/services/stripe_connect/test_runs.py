"""Payout runs against the stand-in Stripe: one transfer per request, whatever Stripe answers."""
import pytest

from app.extensions import db
from app.models.stripe_connect import StripePayoutItem, StripePayoutRun
from app.services.ledger import balances
from app.services.payouts import requests, states
from app.services.stripe_connect import accounts, runs
from app.services.stripe_connect.errors import NothingToPayNow
from tests import factories
from tests.payout_helpers import affiliate_with_details, earn
from tests.stripe_helpers import (
    AMOUNT,
    MORNING,
    books_are_clean,
    connected_affiliate,
    daily_run,
    request_of,
    stripe_payout,
)


def transfers_of(fake, request_id):
    return fake.transfers(group=f"payout-request-{request_id}")


def items_of(run_id):
    return {item.payout_request_id: item for item in db.session.scalars(
        db.select(StripePayoutItem).where(StripePayoutItem.run_id == run_id))}


def test_the_daily_run_pays_each_approved_stripe_payout_once(app, fake_stripe, outbox):
    admin = factories.make_user("admin")
    paid_ids = [stripe_payout(connected_affiliate(fake_stripe)[0]) for _ in range(3)]
    waiting = stripe_payout(connected_affiliate(fake_stripe)[0], approve=False)
    by_hand = affiliate_with_details()
    earn(by_hand, 600_000)
    manual = requests.request_payout(by_hand.id, 600_000, "VND")
    states.approve(manual.id, admin.id)
    outbox.clear()

    outcome = daily_run()
    assert outcome["sent"] == 3 and set(outcome) == {"run", "sent"}
    for request_id in paid_ids:
        paid = request_of(request_id)
        (transfer,) = transfers_of(fake_stripe, request_id)
        assert (paid.status, paid.paid_method) == ("paid", "stripe")
        assert paid.transaction_id == paid.stripe_transfer_id == transfer["id"]
        assert (transfer["amount"], transfer["currency"]) == (AMOUNT, "usd")
        assert transfer["destination"] == paid.details["stripe_account_id"]
        assert transfer["metadata"]["payout_request_id"] == str(request_id)
        call = next(c for c in fake_stripe.calls("POST", "/v1/transfers") if c.params["transfer_group"]
                    == f"payout-request-{request_id}")
        assert call.idempotency_key == f"payout-request-{request_id}"
    assert request_of(waiting).status == "requested" and request_of(manual.id).status == "approved"
    run = db.session.get(StripePayoutRun, outcome["run"])
    assert (run.status, run.kind, run.manual_left) == ("finished", "schedule", 1)
    sent = [m for m in outbox if "was sent" in m["subject"]]
    assert len(sent) == 3 and all("tr_" in m["body"] for m in sent)
    (summary,) = [m for m in outbox if m["to"] == admin.email]
    assert "manual queue" in summary["body"]
    # Nothing first-time needs a look-up: no request here was tried before.
    assert fake_stripe.calls("GET", "/v1/transfers") == []
    assert books_are_clean()
    assert runs.execute(outcome["run"])["skipped"]  # a finished run does nothing
    assert daily_run(days_later=1).get("sent", 0) == 0
    assert len(fake_stripe.transfers()) == 3


def test_zero_decimal_currencies_go_to_stripe_in_whole_units(app, fake_stripe):
    app.config["STRIPE_PAYOUT_CURRENCIES"] = ("USD", "VND", "JPY")
    for currency in ("vnd", "jpy"):
        fake_stripe.top_up(currency, 10**9)
    affiliate, _account = connected_affiliate(fake_stripe)
    made = {}
    for currency, amount in (("VND", 500_000), ("JPY", 3_000), ("USD", 1_234)):
        earn(affiliate, amount, currency=currency)
        made[currency] = requests.request_payout(affiliate.id, amount, currency, method="stripe").id
        states.approve(made[currency], None)
    daily_run()
    assert [(t["currency"], t["amount"]) for t in fake_stripe.transfers()] == [
        ("vnd", 500_000), ("jpy", 3_000), ("usd", 1_234)]
    assert all(request_of(i).status == "paid" for i in made.values())


@pytest.mark.parametrize("mode", ["error_after", "timeout_after"])
def test_a_transfer_made_before_an_error_is_adopted_not_repeated(app, fake_stripe, mode):
    app.config["STRIPE_TIMEOUT"] = 0.5
    request_id = stripe_payout(connected_affiliate(fake_stripe)[0])
    fake_stripe.fail("POST", "/v1/transfers", mode, delay=1.5)
    assert daily_run()["sent"] == 1
    (transfer,) = transfers_of(fake_stripe, request_id)
    assert request_of(request_id).stripe_transfer_id == transfer["id"]
    assert len(fake_stripe.calls("GET", "/v1/transfers")) == 1  # looked up after the failed try
    assert books_are_clean()


def test_rate_limits_and_outages_are_retried_within_the_run(app, fake_stripe):
    request_id = stripe_payout(connected_affiliate(fake_stripe)[0])
    fake_stripe.fail("POST", "/v1/transfers", "rate_limit")
    fake_stripe.fail("POST", "/v1/transfers", "unavailable")
    assert daily_run()["sent"] == 1
    assert len(fake_stripe.calls("POST", "/v1/transfers")) == 3 and len(transfers_of(fake_stripe, request_id)) == 1


def test_when_stripe_stays_away_the_request_waits_for_the_next_run(app, fake_stripe, outbox):
    admin = factories.make_user("admin")
    request_id = stripe_payout(connected_affiliate(fake_stripe)[0])
    fake_stripe.fail("POST", "/v1/transfers", "unavailable", times=3)
    first = daily_run()
    assert first["retry_later"] == 1
    waiting = request_of(request_id)
    assert waiting.status == "processing" and waiting.stripe_transfer_id is None
    assert items_of(first["run"])[request_id].error_code == "http_503"
    assert any(m["to"] == admin.email and "tried again" in m["body"] for m in outbox)
    second = daily_run(days_later=1)
    assert second["sent"] == 1 and request_of(request_id).status == "paid"
    assert len(transfers_of(fake_stripe, request_id)) == 1
    assert books_are_clean()


def test_a_request_tried_more_than_a_day_ago_is_looked_up_before_a_new_key_could_pay_it_again(app, fake_stripe):
    """Stripe forgets an idempotency key after 24 hours: only the look-up by transfer group protects then."""
    request_id = stripe_payout(connected_affiliate(fake_stripe)[0])
    fake_stripe.fail("POST", "/v1/transfers", "error_after", times=3)  # made, but every answer is a 500
    fake_stripe.fail("GET", "/v1/transfers", "unavailable", times=3)  # and the look-ups fail too
    assert daily_run()["retry_later"] == 1
    assert len(transfers_of(fake_stripe, request_id)) == 1
    fake_stripe.advance(25 * 3600)
    assert daily_run(days_later=1)["sent"] == 1
    assert len(transfers_of(fake_stripe, request_id)) == 1 and request_of(request_id).status == "paid"


def test_the_platform_balance_bounds_what_a_run_takes(app, fake_stripe):
    fake_stripe.state.available["usd"] = 2 * AMOUNT + 1
    ids = [stripe_payout(connected_affiliate(fake_stripe)[0]) for _ in range(3)]
    outcome = daily_run()
    assert (outcome["sent"], outcome["skipped"]) == (2, 1)
    assert request_of(ids[2]).status == "approved"  # not taken: it waits for the next run
    assert items_of(outcome["run"])[ids[2]].error_code == "balance_low"
    fake_stripe.top_up("usd", AMOUNT)
    assert daily_run(days_later=1)["sent"] == 1 and len(fake_stripe.transfers()) == 3


def test_a_balance_refusal_stops_the_currency_without_failing_anyone(app, fake_stripe):
    fake_stripe.state.available["usd"] = AMOUNT
    fake_stripe.fail("GET", "/v1/balance", "unavailable")  # the run cannot check the balance first
    ids = [stripe_payout(connected_affiliate(fake_stripe)[0]) for _ in range(3)]
    outcome = daily_run()
    assert (outcome["sent"], outcome["retry_later"]) == (1, 2)
    assert [request_of(i).status for i in ids] == ["paid", "processing", "processing"]
    assert len(fake_stripe.calls("POST", "/v1/transfers")) == 2  # the third was not even tried
    assert books_are_clean()


def test_stripe_refusing_fails_the_request_and_gives_the_amount_back(app, fake_stripe, outbox):
    admin = factories.make_user("admin")
    affiliate, account = connected_affiliate(fake_stripe)
    request_id = stripe_payout(affiliate)
    fake_stripe.set_account_state(account.account_id, "restricted")  # after the request was made
    outbox.clear()
    outcome = daily_run()
    failed = request_of(request_id)
    assert outcome["failed"] == 1 and failed.status == "failed"
    assert "insufficient_capabilities_for_transfer" in failed.failed_reason
    assert balances.available(affiliate.id, "USD") == AMOUNT
    affiliate_mail = [m for m in outbox if m["to"] == affiliate.email]
    assert affiliate_mail and "could not be sent" in affiliate_mail[0]["subject"]
    (summary,) = [m for m in outbox if m["to"] == admin.email]
    assert f"#{request_id}" in summary["body"] and "insufficient_capabilities_for_transfer" in summary["body"]
    assert transfers_of(fake_stripe, request_id) == []
    assert books_are_clean()


def test_three_refusals_in_a_row_pause_the_daily_run_for_that_affiliate(app, fake_stripe, outbox):
    admin = factories.make_user("admin")
    affiliate, account = connected_affiliate(fake_stripe)
    for day in range(3):
        fake_stripe.set_account_state(account.account_id, "ready")
        accounts.refresh(affiliate.id)
        stripe_payout(affiliate)
        fake_stripe.set_account_state(account.account_id, "restricted")  # after the request was made
        assert daily_run(days_later=day)["failed"] == 1
    paused = db.session.get(type(account), affiliate.id)
    assert paused.consecutive_failures == 3 and paused.paused_at is not None
    assert any(m["to"] == admin.email and "paused" in m["subject"] for m in outbox)
    fake_stripe.set_account_state(account.account_id, "ready")
    accounts.refresh(affiliate.id)
    request_id = stripe_payout(affiliate)
    skipped = daily_run(days_later=3)
    assert skipped == {"run": skipped["run"], "skipped": 1} and request_of(request_id).status == "approved"
    runs.start_now([request_id], admin.id)  # the admin pays them now: a success ends the pause
    resumed = db.session.get(type(account), affiliate.id)
    assert request_of(request_id).status == "paid"
    assert (resumed.consecutive_failures, resumed.paused_at) == (0, None)


def test_an_admin_resumes_automatic_payouts(app, fake_stripe):
    admin = factories.make_user("admin")
    affiliate, account = connected_affiliate(fake_stripe)
    account.consecutive_failures, account.paused_at = 3, account.created_at
    db.session.commit()
    request_id = stripe_payout(affiliate)
    assert daily_run()["skipped"] == 1
    accounts.resume(affiliate.id, admin.id, ip="192.0.2.8")
    assert daily_run(days_later=1)["sent"] == 1 and request_of(request_id).status == "paid"


def test_a_currency_stripe_no_longer_pays_fails_without_asking_stripe(app, fake_stripe):
    request_id = stripe_payout(connected_affiliate(fake_stripe)[0])
    app.config["STRIPE_PAYOUT_CURRENCIES"] = ("EUR",)
    assert daily_run()["failed"] == 1
    assert "currency_not_transferable" in request_of(request_id).failed_reason
    assert fake_stripe.calls("POST", "/v1/transfers") == []


def test_pay_now_sends_the_selected_approved_stripe_payouts(app, fake_stripe):
    admin = factories.make_user("admin")
    chosen = [stripe_payout(connected_affiliate(fake_stripe)[0]) for _ in range(2)]
    other = stripe_payout(connected_affiliate(fake_stripe)[0])
    not_approved = stripe_payout(connected_affiliate(fake_stripe)[0], approve=False)
    run = runs.start_now([*chosen, not_approved, 999_999], admin.id, ip="192.0.2.9")
    db.session.expire_all()
    assert (run.kind, run.status, run.requested_by_id) == ("admin", "finished", admin.id)
    assert set(items_of(run.id)) == set(chosen)  # only approved Stripe payouts are taken
    assert [request_of(i).status for i in chosen] == ["paid", "paid"]
    assert request_of(other).status == "approved" and request_of(not_approved).status == "requested"
    with pytest.raises(NothingToPayNow):
        runs.start_now([not_approved], admin.id)


def test_a_run_already_running_elsewhere_is_left_to_its_worker(app, fake_stripe):
    stripe_payout(connected_affiliate(fake_stripe)[0])
    run_id = runs.start_scheduled(MORNING)
    db.session.get(StripePayoutRun, run_id).status = "running"
    db.session.get(StripePayoutRun, run_id).heartbeat_at = db.func.now()
    db.session.commit()
    assert runs.execute(run_id)["skipped"] and fake_stripe.calls("POST", "/v1/transfers") == []
