"""Real concurrency on Postgres: many clicks or admins at the same moment, one outcome, one ledger entry."""
from collections import Counter
from datetime import date

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.money import LedgerEntry, PayoutRequest
from app.services.ledger import balances, verify
from app.services.payouts import errors, requests, states
from tests import factories
from tests.concurrency import postgres_only, run_together
from tests.payout_helpers import affiliate_with_details, earn

pytestmark = postgres_only()


def kinds(affiliate_id):
    return Counter(db.session.scalars(db.select(LedgerEntry.kind).where(LedgerEntry.affiliate_id == affiliate_id)))


def actions(request_id):
    return Counter(db.session.scalars(db.select(AuditEvent.action).where(
        AuditEvent.object_type == "payout_requests", AuditEvent.object_id == str(request_id))))


def test_twenty_simultaneous_approve_and_confirm_pay_once(app, outbox):
    admin_ids = [factories.make_user("admin").id for _ in range(2)]
    affiliate = affiliate_with_details()
    earn(affiliate, 500_000)
    request_id = requests.request_payout(affiliate.id, 300_000, "VND").id
    affiliate_id = affiliate.id

    def approve_and_confirm(i):
        outcome = []
        for step in ("approve", "confirm"):
            try:
                if step == "approve":
                    states.approve(request_id, admin_ids[i % 2])
                else:
                    states.confirm_paid(request_id, admin_ids[i % 2], method="bank_transfer",
                                         transaction_id=f"TX-{i}", paid_on=date.today())
                outcome.append(step)
            except errors.InvalidPayoutTransition:
                pass
        return outcome

    results = run_together(app, 20, approve_and_confirm)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum("approve" in r for r in results) == 1
    assert sum("confirm" in r for r in results) == 1
    paid = db.session.get(PayoutRequest, request_id)
    assert paid.status == "paid"
    assert actions(request_id) == {"payout.requested": 1, "payout.approved": 1, "payout.paid": 1}
    assert kinds(affiliate_id) == {"commission": 1, "payout_reserve": 1}
    assert db.session.scalar(db.select(db.func.count()).select_from(LedgerEntry).where(
        LedgerEntry.idempotency_key == f"reserve:payout:{request_id}")) == 1
    assert balances.for_affiliate(affiliate_id)["VND"].paid == 300_000
    assert verify.verify().ok


def test_simultaneous_requests_in_one_currency_make_one(app):
    affiliate = affiliate_with_details()
    earn(affiliate, 500_000)
    affiliate_id = affiliate.id

    results = run_together(app, 12, lambda _i: requests.request_payout(affiliate_id, 300_000, "VND").id)
    made = [r for r in results if isinstance(r, int)]
    assert len(made) == 1
    assert all(isinstance(r, errors.PayoutAlreadyOpen) for r in results if not isinstance(r, int)), results
    assert kinds(affiliate_id) == {"commission": 1, "payout_reserve": 1}
    assert balances.available(affiliate_id, "VND") == 200_000


def test_simultaneous_cancels_and_rejects_release_once(app):
    admin_id = factories.make_user("admin").id
    affiliate = affiliate_with_details()
    earn(affiliate, 500_000)
    request_id = requests.request_payout(affiliate.id, 300_000, "VND").id
    affiliate_id = affiliate.id

    def close(i):
        if i % 2:
            return states.cancel(request_id, affiliate_id).status
        return states.reject(request_id, admin_id, "duplicate").status

    results = run_together(app, 20, close)
    assert sum(isinstance(r, str) for r in results) == 1
    assert all(isinstance(r, errors.InvalidPayoutTransition) for r in results if not isinstance(r, str))
    assert kinds(affiliate_id) == {"commission": 1, "payout_reserve": 1, "payout_release": 1}
    assert balances.available(affiliate_id, "VND") == 500_000


def test_requests_racing_cancels_never_spend_money_twice(app):
    affiliate = affiliate_with_details()
    earn(affiliate, 400_000)
    affiliate_id = affiliate.id
    first = requests.request_payout(affiliate_id, 400_000, "VND").id

    def work(i):
        if i % 2:
            return states.cancel(first, affiliate_id).status
        return requests.request_payout(affiliate_id, 400_000, "VND").status

    results = run_together(app, 16, work)
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, errors.PayoutError)], results
    open_requests = db.session.scalars(db.select(PayoutRequest).where(
        PayoutRequest.affiliate_id == affiliate_id, PayoutRequest.status == "requested")).all()
    assert len(open_requests) <= 1
    assert balances.available(affiliate_id, "VND") == 400_000 - sum(r.amount for r in open_requests)
    assert balances.available(affiliate_id, "VND") >= 0
    assert verify.verify().ok
