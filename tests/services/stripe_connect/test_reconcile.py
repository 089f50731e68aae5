"""Comparing Stripe's transfers with our payout requests and ledger: `flask stripe reconcile` and its report."""
from datetime import timedelta

import pytest
from click.testing import CliRunner

from app.extensions import db
from app.models.common import utcnow
from app.models.money import PayoutRequest
from app.services.ledger import entries
from app.services.stripe_connect import reconcile
from app.services.stripe_connect.errors import StripeUnavailable
from app.stripe_cli import stripe_cli
from tests.stripe_helpers import AMOUNT, connected_affiliate, daily_run, request_of, stripe_payout


@pytest.fixture
def paid(app, fake_stripe):
    """Three Stripe payouts paid by a run; their request ids."""
    ids = [stripe_payout(connected_affiliate(fake_stripe)[0]) for _ in range(3)]
    daily_run()
    return ids


def whats(report):
    return [(d.request_id, str(d.what)) for d in report.differences]


def test_books_that_agree_report_nothing(app, fake_stripe, paid):
    report = reconcile.compare(30)
    assert report.ok and (report.transfers, report.requests) == (3, 3)
    result = CliRunner().invoke(stripe_cli, ["reconcile", "--days", "7"])
    assert result.exit_code == 0 and "Stripe and our books agree" in result.output


def test_every_kind_of_difference_is_reported(app, fake_stripe, paid):
    first, second, third = paid
    state = fake_stripe.state
    # A transfer made by hand in Stripe's dashboard, naming no request.
    stray = state.create_transfer({"amount": "700", "currency": "usd",
                                   "destination": request_of(first).details["stripe_account_id"]})
    # A transfer whose amount differs from the request's, and one reversed in Stripe without our knowing.
    state.transfers[request_of(second).stripe_transfer_id]["amount"] = AMOUNT + 1
    state.create_reversal(request_of(third).stripe_transfer_id, {"amount": "500"})
    # A transfer for a request we do not have.
    state.create_transfer({"amount": "100", "currency": "usd", "destination": stray["destination"],
                           "transfer_group": "payout-request-999", "metadata": {"payout_request_id": "999"}})
    # A ledger entry too many.
    entries.append(request_of(first).affiliate_id, "USD", 100, "payout_release", "release:payout:extra",
                   payout_request_id=first)
    db.session.commit()
    report = reconcile.compare(30)
    found = whats(report)
    assert any(rid is None and "names no payout request" in what for rid, what in found)
    assert any(rid == second and "amount 2501 instead of 2500" in what for rid, what in found)
    assert any(rid == third and "reversed in Stripe" in what for rid, what in found)
    assert any(rid == 999 and "we do not have" in what for rid, what in found)
    assert any(rid == first and what.startswith("ledger:") for rid, what in found)
    result = CliRunner().invoke(stripe_cli, ["reconcile"])
    assert result.exit_code == 1 and "Stripe and our books differ" in result.output
    assert f"request={second} transfer=" in result.output


def test_a_paid_request_whose_transfer_stripe_does_not_have_is_reported(app, fake_stripe, paid):
    gone = request_of(paid[0]).stripe_transfer_id
    del fake_stripe.state.transfers[gone]
    assert (paid[0], f"paid with Stripe transfer {gone}, which Stripe does not have") in whats(reconcile.compare(30))


def test_a_transfer_for_a_request_not_paid_here_is_reported(app, fake_stripe):
    affiliate, _account = connected_affiliate(fake_stripe)
    request_id = stripe_payout(affiliate)
    request = request_of(request_id)
    fake_stripe.state.create_transfer({"amount": str(AMOUNT), "currency": "usd",
                                       "destination": request.details["stripe_account_id"],
                                       "transfer_group": f"payout-request-{request_id}",
                                       "metadata": {"payout_request_id": str(request_id)}})
    assert (request_id, "Stripe made this transfer but the request is approved here") in whats(reconcile.compare(30))


def test_older_payments_are_fetched_one_by_one_and_the_window_is_kept(app, fake_stripe, paid):
    for transfer in fake_stripe.state.transfers.values():
        transfer["created"] -= 40 * 86400  # made 40 days ago, paid here 10 days ago
    db.session.execute(db.update(PayoutRequest).values(paid_at=utcnow() - timedelta(days=10)))
    db.session.commit()
    report = reconcile.compare(30)
    assert report.ok and report.transfers == 0 and report.requests == 3
    assert len(fake_stripe.calls("GET")) >= 3


def test_stripe_not_answering_is_said_so(app, fake_stripe, paid):
    fake_stripe.fail("GET", "/v1/transfers", "unavailable")
    with pytest.raises(StripeUnavailable):
        reconcile.compare(30)
