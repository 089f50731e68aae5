"""After Stripe answered: reversing a paid transfer, retrying or paying by hand a refused one, and the
manual doors that must leave Stripe payouts alone."""
from datetime import date

import pytest

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.stripe_connect import StripePayoutRun
from app.services.ledger import balances
from app.services.payouts import errors, requests, states
from app.services.stripe_connect import accounts, claims, reissue, reversals
from app.services.stripe_connect.errors import AccountNotReady, NotAStripePayout
from tests import factories
from tests.payout_helpers import ledger_keys
from tests.stripe_helpers import AMOUNT, books_are_clean, connected_affiliate, daily_run, request_of, stripe_payout


@pytest.fixture
def admin(app):
    return factories.make_user("admin")


def paid_stripe_payout(fake):
    affiliate, account = connected_affiliate(fake)
    request_id = stripe_payout(affiliate)
    daily_run()
    assert request_of(request_id).status == "paid"
    return affiliate, account, request_id


def refused_stripe_payout(fake):
    affiliate, account = connected_affiliate(fake)
    request_id = stripe_payout(affiliate)
    fake.set_account_state(account.account_id, "restricted")
    daily_run()
    assert request_of(request_id).status == "failed"
    return affiliate, account, request_id


def test_an_admin_takes_a_paid_transfer_back(app, fake_stripe, admin, outbox):
    affiliate, _account, request_id = paid_stripe_payout(fake_stripe)
    assert balances.available(affiliate.id, "USD") == 0
    outbox.clear()
    reversed_request = reversals.reverse(request_id, admin.id, "Paid to the wrong affiliate", ip="192.0.2.3")
    assert (reversed_request.status, reversed_request.reversed_amount) == ("reversed", AMOUNT)
    transfer = fake_stripe.transfers(group=f"payout-request-{request_id}")[0]
    assert transfer["reversed"] and transfer["amount_reversed"] == AMOUNT
    assert balances.available(affiliate.id, "USD") == AMOUNT
    assert ledger_keys(affiliate.id)[-1] == (f"release:payout:{request_id}:reversed:{AMOUNT}", AMOUNT)
    actions = [e.action for e in db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.object_id == str(request_id), AuditEvent.object_type == "payout_requests"))]
    assert actions[-2:] == ["payout.reversed", "payout.reversal_reason"]
    assert any(m["to"] == affiliate.email and "taken back" in m["subject"] for m in outbox)
    assert any(m["to"] == admin.email for m in outbox)
    with pytest.raises(NotAStripePayout):
        reversals.reverse(request_id, admin.id, "again")
    assert len(fake_stripe.calls("POST", f"/v1/transfers/{transfer['id']}/reversals")) == 1
    assert balances.for_affiliate(affiliate.id)["USD"].paid == 0
    assert books_are_clean()


def test_a_partial_reversal_in_stripe_leaves_the_payout_paid_with_what_came_back(app, fake_stripe):
    affiliate, _account, request_id = paid_stripe_payout(fake_stripe)
    transfer_id = request_of(request_id).stripe_transfer_id
    fake_stripe.state.create_reversal(transfer_id, {"amount": "1000"})
    states.take_back(request_id, 1_000, None, note="test")
    request = request_of(request_id)
    assert (request.status, request.reversed_amount) == ("paid", 1_000)
    assert balances.for_affiliate(affiliate.id)["USD"].paid == AMOUNT - 1_000
    assert books_are_clean()


def test_a_refused_payout_can_be_tried_again_through_stripe(app, fake_stripe, admin):
    affiliate, account, request_id = refused_stripe_payout(fake_stripe)
    with pytest.raises(AccountNotReady):
        reissue.through_stripe(request_id, admin.id)
    fake_stripe.set_account_state(account.account_id, "ready")
    accounts.refresh(affiliate.id)
    again = reissue.through_stripe(request_id, admin.id, ip="192.0.2.3")
    assert (again.status, again.method, again.amount) == ("approved", "stripe", AMOUNT)
    assert again.details == {"method": "stripe", "stripe_account_id": account.account_id, "reissue_of": request_id}
    assert balances.available(affiliate.id, "USD") == 0  # reserved again
    with pytest.raises(errors.PayoutAlreadyOpen):
        reissue.through_stripe(request_id, admin.id)
    assert daily_run(days_later=1)["sent"] == 1 and request_of(again.id).status == "paid"
    assert request_of(request_id).status == "failed"  # the refused one stays as it was
    assert books_are_clean()


def test_a_refused_payout_can_be_paid_by_hand_instead(app, fake_stripe, admin, outbox):
    affiliate, _account, request_id = refused_stripe_payout(fake_stripe)
    by_hand = reissue.by_hand(request_id, admin.id)
    assert (by_hand.status, by_hand.method) == ("approved", "bank_transfer")
    assert by_hand.details["reissue_of"] == request_id and by_hand.details["bank_account"] == "0123456789"
    states.confirm_paid(by_hand.id, admin.id, method="bank_transfer", transaction_id="FT-1", paid_on=date.today())
    assert request_of(by_hand.id).status == "paid"
    assert books_are_clean()


def test_only_refused_stripe_payouts_are_made_again(app, fake_stripe, admin):
    _affiliate, _account, paid_id = paid_stripe_payout(fake_stripe)
    for make_again in (reissue.through_stripe, reissue.by_hand):
        with pytest.raises(NotAStripePayout):
            make_again(paid_id, admin.id)


def test_a_refused_payout_is_not_made_again_when_the_money_was_spent(app, fake_stripe, admin):
    affiliate, _account, request_id = refused_stripe_payout(fake_stripe)
    requests.request_payout(affiliate.id, 1_000, "USD")  # the affiliate asked for part of it meanwhile
    with pytest.raises(errors.PayoutAlreadyOpen):
        reissue.by_hand(request_id, admin.id)


def test_the_manual_doors_leave_stripe_payouts_to_stripe(app, fake_stripe, admin):
    affiliate, _account = connected_affiliate(fake_stripe)
    request_id = stripe_payout(affiliate)
    paid = dict(method="bank_transfer", transaction_id="FT-9", paid_on=date.today())
    with pytest.raises(errors.PaidThroughStripe):
        states.confirm_paid(request_id, admin.id, **paid)
    with pytest.raises(errors.PaidThroughStripe):
        states.mark_processing(request_id, admin.id)
    states.mark_failed(request_id, admin.id, "Withdrawn before the run")  # an approved one may be withdrawn
    other = stripe_payout(affiliate)
    db.session.expire_all()
    run = StripePayoutRun(kind="admin", status="running")
    db.session.add(run)
    db.session.commit()
    claims.claim(run, [other], None)
    with pytest.raises(errors.PaidThroughStripe):  # a run has it: it may be on its way
        states.mark_failed(other, admin.id, "too late")
    assert request_of(other).status == "processing"
