"""Balances summed from the ledger: pending, available, in payment, paid — and what is behind each."""
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models.common import utcnow
from app.services.conversions import refunds
from app.services.conversions import states as conversion_states
from app.services.ledger import balances, entries, owed
from app.services.payouts import errors, requests
from app.services.payouts import states as payout_states
from tests.payout_helpers import affiliate_with_details, conversion_for, earn, ledger_sum


def figures(affiliate, currency="VND", now=None):
    b = balances.for_affiliate(affiliate.id, now=now).get(currency)
    if b is None:
        return None
    return {"pending": b.pending, "available": b.available, "in_payment": b.in_payment, "paid": b.paid}


def pay(request_id, actor_id=None):
    payout_states.approve(request_id, actor_id)
    return payout_states.confirm_paid(request_id, actor_id, method="bank_transfer", transaction_id=f"TX{request_id}",
                                paid_on=date.today())


def test_an_affiliate_without_money_has_no_balances(app):
    assert balances.for_affiliate(affiliate_with_details().id) == {}


def test_unapproved_conversions_are_pending_not_available(app):
    affiliate = affiliate_with_details()
    conversion_for(affiliate, 70_000)
    conversion = conversion_for(affiliate, 30_000)
    refunds.refund(conversion.id, conversion.amount // 2)  # pending: its commission shrinks by half
    assert figures(affiliate) == {"pending": 85_000, "available": 0, "in_payment": 0, "paid": 0}


def test_hold_period_boundary_with_a_frozen_clock(app):
    affiliate = affiliate_with_details()
    payable_at = utcnow().replace(microsecond=0) + timedelta(days=30)
    earn(affiliate, 120_000, payable_at=payable_at)

    day_before = figures(affiliate, now=payable_at - timedelta(days=1))
    assert day_before == {"pending": 120_000, "available": 0, "in_payment": 0, "paid": 0}
    assert figures(affiliate, now=payable_at - timedelta(microseconds=1))["available"] == 0
    assert figures(affiliate, now=payable_at) == {"pending": 0, "available": 120_000, "in_payment": 0, "paid": 0}
    assert balances.available(affiliate.id, "VND", now=payable_at - timedelta(days=1)) == 0
    assert balances.available(affiliate.id, "VND", now=payable_at) == 120_000


def test_held_commission_cannot_be_requested_until_its_day(app):
    affiliate = affiliate_with_details()
    payable_at = utcnow() + timedelta(days=10)
    earn(affiliate, 100_000, payable_at=payable_at)
    with pytest.raises(errors.PayoutAboveAvailable):
        requests.request_payout(affiliate.id, 100_000, "VND", now=payable_at - timedelta(days=1))
    assert requests.request_payout(affiliate.id, 100_000, "VND", now=payable_at).amount == 100_000


def test_a_refund_during_the_hold_lowers_pending_never_available(app):
    affiliate = affiliate_with_details()
    earn(affiliate, 200_000)  # already payable
    payable_at = utcnow() + timedelta(days=30)
    held = earn(affiliate, 100_000, payable_at=payable_at)
    refunds.refund(held.id, held.amount * 3 // 10)  # takes back 30,000 of the held commission

    assert figures(affiliate) == {"pending": 70_000, "available": 200_000, "in_payment": 0, "paid": 0}
    assert figures(affiliate, now=payable_at)["available"] == 270_000


def test_a_reversal_dated_today_still_follows_its_held_commission(app):
    """Whatever date a reversal carries, it counts when the commission it takes back counts."""
    affiliate = affiliate_with_details()
    payable_at = utcnow() + timedelta(days=30)
    held = earn(affiliate, 100_000, payable_at=payable_at)
    entries.append(affiliate.id, "VND", -40_000, "reversal", "test:early-reversal", conversion_id=held.id,
                  available_at=utcnow() - timedelta(days=1))
    db.session.commit()

    assert figures(affiliate) == {"pending": 60_000, "available": 0, "in_payment": 0, "paid": 0}
    assert figures(affiliate, now=payable_at)["available"] == 60_000


def test_full_reversal_of_a_held_commission_leaves_nothing(app):
    affiliate = affiliate_with_details()
    held = earn(affiliate, 100_000, payable_at=utcnow() + timedelta(days=5))
    conversion_states.reverse(held.id, None, reason="chargeback")
    assert figures(affiliate) == {"pending": 0, "available": 0, "in_payment": 0, "paid": 0}


def test_reversal_after_payment_goes_negative_and_the_next_payout_nets_it_off(app):
    affiliate = affiliate_with_details()
    first = earn(affiliate, 100_000)
    pay(requests.request_payout(affiliate.id, 100_000, "VND").id)
    refunds.refund(first.id, first.amount)  # the whole order came back after we paid

    assert figures(affiliate) == {"pending": 0, "available": -100_000, "in_payment": 0, "paid": 100_000}
    with pytest.raises(owed.BalanceOwed) as refused:
        requests.request_payout(affiliate.id, 50_000, "VND")
    assert refused.value.owed == 100_000

    earn(affiliate, 180_000)
    assert figures(affiliate)["available"] == 80_000
    with pytest.raises(errors.PayoutAboveAvailable):
        requests.request_payout(affiliate.id, 80_001, "VND")
    pay(requests.request_payout(affiliate.id, 80_000, "VND").id)
    assert figures(affiliate) == {"pending": 0, "available": 0, "in_payment": 0, "paid": 180_000}
    assert ledger_sum(affiliate.id) == 0


def test_mixed_sequence(app):
    affiliate = affiliate_with_details()
    a = earn(affiliate, 100_000)
    b = earn(affiliate, 60_000)
    c = earn(affiliate, 40_000, payable_at=utcnow() + timedelta(days=3))
    conversion_for(affiliate, 9_000)  # still pending
    conversion_states.reverse(b.id, None, reason="fraud")  # reversed before any payout
    assert figures(affiliate) == {"pending": 49_000, "available": 100_000, "in_payment": 0, "paid": 0}

    rejected = requests.request_payout(affiliate.id, 90_000, "VND")
    assert figures(affiliate)["available"] == 10_000
    assert figures(affiliate)["in_payment"] == 90_000
    payout_states.reject(rejected.id, None, "wrong account")
    assert figures(affiliate) == {"pending": 49_000, "available": 100_000, "in_payment": 0, "paid": 0}

    paid = pay(requests.request_payout(affiliate.id, 70_000, "VND").id)
    assert figures(affiliate) == {"pending": 49_000, "available": 30_000, "in_payment": 0, "paid": 70_000}

    refunds.refund(a.id, a.amount // 4)  # partial refund after the payout: 25,000 back out
    refunds.refund(c.id, c.amount // 2)  # partial refund during the hold: 20,000 less pending
    assert figures(affiliate) == {"pending": 29_000, "available": 5_000, "in_payment": 0, "paid": 70_000}

    b = balances.for_affiliate(affiliate.id)["VND"]
    assert b.total == ledger_sum(affiliate.id) == 100_000 + 20_000 - 25_000 - paid.amount
    later = balances.for_affiliate(affiliate.id, now=utcnow() + timedelta(days=3))["VND"]
    assert (later.available, later.pending) == (25_000, 9_000)


def test_currencies_are_kept_apart(app):
    affiliate = affiliate_with_details()
    earn(affiliate, 100_000)
    earn(affiliate, 2_500, currency="USD")
    requests.request_payout(affiliate.id, 2_000, "USD")
    result = balances.for_affiliate(affiliate.id)
    assert list(result) == ["USD", "VND"]
    assert (result["USD"].available, result["USD"].in_payment) == (500, 2_000)
    assert (result["VND"].available, result["VND"].in_payment) == (100_000, 0)


def test_entries_behind_each_figure(app):
    affiliate = affiliate_with_details()
    due = earn(affiliate, 100_000)
    held = earn(affiliate, 30_000, payable_at=utcnow() + timedelta(days=9))
    waiting = conversion_for(affiliate, 7_000)
    open_request = requests.request_payout(affiliate.id, 60_000, "VND")

    b = balances.for_affiliate(affiliate.id, with_entries=True)["VND"]
    assert {(e.kind, e.conversion_id, e.payout_request_id) for e, _due in b.available_entries} == {
        ("commission", due.id, None), ("payout_reserve", None, open_request.id)}
    assert [(e.conversion_id, due_at) for e, due_at in b.held_entries] == [(held.id, held.payable_at)]
    assert (b.available_count, b.held_count) == (2, 1)
    assert [c.id for c in b.unapproved_conversions] == [waiting.id]
    assert [r.id for r in b.open_requests] == [open_request.id]
    assert b.paid_requests == []
    assert balances.for_affiliate(affiliate.id)["VND"].available_entries == []  # only when asked for


def test_sums_are_done_by_the_database(app):
    """The number of queries does not grow with the number of entries."""
    affiliate = affiliate_with_details()
    earn(affiliate, 100_000)

    affiliate_id = affiliate.id

    def queries():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            balances.for_affiliate(affiliate_id)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    few = queries()
    for _ in range(5):
        earn(affiliate, 10_000)
    assert queries() == few == 3
