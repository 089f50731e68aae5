"""Random sequences of money operations never break the books.

After every step: the balance equals the sum of the affiliate's ledger entries, in-payment and paid
match the requests, and a request above the available balance is refused — so a request can never
push available below zero. At the end `ledger verify` finds nothing.
"""
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models.common import utcnow
from app.models.conversions import Conversion
from app.models.money import OPEN_PAYOUT_STATUSES, PayoutRequest
from app.services.conversions import refunds
from app.services.conversions import states as conversion_states
from app.services.ledger import balances, owed, verify
from app.services.payouts import errors
from app.services.payouts import requests as payouts
from app.services.payouts import states as payout_states
from tests import factories
from tests.payout_helpers import affiliate_with_details, ledger_sum

KINDS = {
    # (commission, days on hold, approved at once)
    "earn": st.tuples(st.just("earn"), st.integers(20, 500).map(lambda k: k * 1_000),
                      st.sampled_from([0, 0, 0, 1, 7, 30]), st.sampled_from([True, True, False])),
    "approve": st.tuples(st.just("approve"), st.integers(0, 20)),
    "refund": st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 100)),
    # a share of what is available, in percent: above 100 must be refused
    "request": st.tuples(st.just("request"),
                         st.one_of(st.sampled_from([100, 100, 70, 101, 150]), st.integers(1, 130))),
    "decision": st.tuples(st.sampled_from(["cancel", "approve_request", "reject", "confirm", "fail"])),
    "advance": st.tuples(st.just("advance"), st.integers(1, 30)),
}
# Money in and requests out come up most often, so sequences reach the payout states.
WEIGHTS = ["earn"] * 3 + ["request"] * 3 + ["decision"] * 3 + ["approve", "refund", "advance"]
operations = st.sampled_from(WEIGHTS).flatmap(KINDS.__getitem__)


class World:
    def __init__(self):
        affiliate = affiliate_with_details()
        self.affiliate_id = affiliate.id
        # One campaign at 10 % for every order, so an order of 10 × c earns exactly c.
        campaign = factories.make_campaign(commission_type="percent", commission_rate=Decimal("10"))
        self.click = factories.make_click(factories.make_link(campaign, affiliate))
        self.clock = utcnow()
        self.conversion_ids: list[int] = []

    def open_request(self) -> PayoutRequest | None:
        return payouts.open_request(self.affiliate_id, "VND")

    def conversion(self, index) -> Conversion | None:
        if not self.conversion_ids:
            return None
        return db.session.get(Conversion, self.conversion_ids[index % len(self.conversion_ids)])

    def apply(self, op) -> None:
        name, *args = op
        if name == "earn":
            commission, hold_days, approve_now = args
            made = factories.make_conversion(self.click, amount=commission * 10,
                                             payable_at=self.clock + timedelta(days=hold_days))
            self.conversion_ids.append(made.id)
            if approve_now:
                conversion_states.approve(made.id, None)
        elif name == "approve":
            conversion = self.conversion(args[0])
            if conversion is not None and conversion.status == "pending":
                conversion_states.approve(conversion.id, None)
        elif name == "refund":
            conversion = self.conversion(args[0])
            if conversion is not None and conversion.status in ("pending", "approved"):
                left = conversion.amount - conversion.refunded_amount
                refunds.refund(conversion.id, max(1, left * args[1] // 100))
        elif name == "request":
            self.request(args[0])
        elif name == "advance":
            self.clock += timedelta(days=args[0])
        else:
            self.decide(name)

    def request(self, percent: int) -> None:
        available = balances.available(self.affiliate_id, "VND", now=self.clock)
        amount = max(1, available * percent // 100) if available > 0 else percent * 1_000
        before = ledger_sum(self.affiliate_id)
        try:
            payouts.request_payout(self.affiliate_id, amount, "VND", now=self.clock)
        except errors.PayoutAboveAvailable:
            assert amount > available
        except owed.BalanceOwed:
            assert available < 0  # a refund after payout is netted off before any new payout
        except errors.PayoutAlreadyOpen:
            assert self.open_request() is not None
        except errors.PayoutBelowMinimum:
            assert amount < payouts.minimum_for("VND")
        else:
            assert amount <= available
            assert ledger_sum(self.affiliate_id) == before - amount
            assert balances.available(self.affiliate_id, "VND", now=self.clock) == available - amount >= 0
            return
        assert ledger_sum(self.affiliate_id) == before  # a refused request changes nothing

    def decide(self, name: str) -> None:
        request = self.open_request()
        if request is None:
            return
        try:
            if name == "cancel":
                payout_states.cancel(request.id, self.affiliate_id)
            elif name == "approve_request":
                payout_states.approve(request.id, None)
            elif name == "reject":
                payout_states.reject(request.id, None, "no")
            elif name == "confirm":
                payout_states.confirm_paid(request.id, None, method="bank_transfer", transaction_id="T",
                                     paid_on=date.today())
            elif name == "fail":
                payout_states.mark_failed(request.id, None, "bounced")
        except errors.InvalidPayoutTransition:
            pass  # e.g. cancelling an approved request: refused, nothing changes

    def check(self) -> None:
        total = ledger_sum(self.affiliate_id)
        b = balances.for_affiliate(self.affiliate_id, now=self.clock).get("VND")
        if b is None:
            assert total == 0
            return
        assert b.total == b.available + b.held == total
        requests = db.session.scalars(db.select(PayoutRequest).where(
            PayoutRequest.affiliate_id == self.affiliate_id)).all()
        assert b.in_payment == sum(r.amount for r in requests if r.status in OPEN_PAYOUT_STATUSES)
        assert b.paid == sum(r.amount for r in requests if r.status == "paid")
        pending = db.session.scalars(db.select(Conversion).where(
            Conversion.affiliate_id == self.affiliate_id, Conversion.status == "pending")).all()
        assert b.unapproved == sum(c.commission - c.commission_reversed for c in pending)


@example(steps=[  # paid, then the order is refunded: negative, and the next payout nets it off
    ("earn", 200_000, 0, True), ("request", 100), ("approve_request",), ("confirm",), ("refund", 0, 100),
    ("request", 100), ("earn", 300_000, 0, True), ("request", 101), ("request", 100), ("confirm",),
    ("approve_request",), ("confirm",)])
@example(steps=[  # held money, a refund during the hold, then the hold ends
    ("earn", 100_000, 30, True), ("request", 100), ("refund", 0, 50), ("advance", 29), ("request", 100),
    ("advance", 1), ("request", 101), ("request", 100), ("cancel",), ("request", 70), ("reject",),
    ("request", 100), ("approve_request",), ("fail",)])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(steps=st.lists(operations, min_size=8, max_size=20))
def test_random_sequences_keep_the_books_straight(app, steps):
    world = World()  # a new affiliate per example, so examples never see each other's money
    for op in steps:
        world.apply(op)
        world.check()
    report = verify.verify()
    assert report.ok, [str(d) for d in report.differences]
