"""A run sending several payouts at once (Postgres: one session per sender), with failures in the mix."""
from tests.concurrency import postgres_only
from tests.stripe_helpers import books_are_clean, connected_affiliate, daily_run, request_of, stripe_payout

pytestmark = postgres_only()


def test_payouts_sent_in_parallel_are_each_paid_once(app, fake_stripe, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_RUN_CONCURRENCY", 6)
    ids = [stripe_payout(connected_affiliate(fake_stripe)[0]) for _ in range(24)]
    fake_stripe.fail("POST", "/v1/transfers", "error_after", times=3)
    fake_stripe.fail("POST", "/v1/transfers", "rate_limit", times=3)
    outcome = daily_run()
    assert outcome["sent"] == 24
    for request_id in ids:
        (transfer,) = fake_stripe.transfers(group=f"payout-request-{request_id}")
        assert request_of(request_id).stripe_transfer_id == transfer["id"]
    assert books_are_clean()
