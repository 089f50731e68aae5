"""Recording a payment: confirming a payout as paid, and correcting the record afterwards."""
from datetime import date

import pytest

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.money import PayoutRequest
from app.services.ledger import balances
from app.services.payouts import errors, states
from tests import factories
from tests.payout_helpers import AMOUNT, PAID, affiliate_with_details, earn, ledger_keys, payout_events, request_in


@pytest.fixture
def setup(app):
    admin = factories.make_user("admin")
    affiliate = affiliate_with_details()
    earn(affiliate, 1_000_000)
    return admin, affiliate


def test_confirm_paid_records_the_payment(setup):
    admin, affiliate = setup
    request_id = request_in("approved", admin, affiliate)
    proof = {"path": "proofs/abc.pdf", "filename": "receipt.pdf", "content_type": "application/pdf"}
    paid = states.confirm_paid(request_id, admin.id, method="momo", transaction_id="  MOMO123  ",
                                paid_on=date(2025, 5, 3), notes="Sent from the company wallet", proof=proof)
    assert (paid.status, paid.paid_method, paid.transaction_id, paid.paid_on) == (
        "paid", "momo", "MOMO123", date(2025, 5, 3))
    assert (paid.paid_by_id, paid.payment_notes) == (admin.id, "Sent from the company wallet")
    assert (paid.proof_path, paid.proof_filename, paid.proof_content_type) == (
        "proofs/abc.pdf", "receipt.pdf", "application/pdf")
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "payout.paid"))
    assert event.after["transaction_id"] == "MOMO123" and event.after["paid_on"] == "2025-05-03"
    assert balances.for_affiliate(affiliate.id)["VND"].paid == AMOUNT


@pytest.mark.parametrize("changes, error", [
    ({"transaction_id": ""}, errors.TransactionIdRequired),
    ({"transaction_id": "   "}, errors.TransactionIdRequired),
    ({"transaction_id": "x" * 121}, errors.InvalidPayment),
    ({"method": "carrier pigeon"}, errors.InvalidPayment),
    ({"paid_on": "2025-05-02"}, errors.InvalidPayment),
    ({"paid_on": None}, errors.InvalidPayment),
])
def test_confirm_paid_checks_its_inputs(setup, changes, error):
    admin, affiliate = setup
    request_id = request_in("approved", admin, affiliate)
    with pytest.raises(error):
        states.confirm_paid(request_id, admin.id, **{**PAID, **changes})
    assert db.session.get(PayoutRequest, request_id).status == "approved"


def test_correct_payment_only_on_paid_and_audited(setup):
    admin, affiliate = setup
    approved = request_in("approved", admin, affiliate)
    with pytest.raises(errors.NotPaid):
        states.correct_payment(approved, admin.id, transaction_id="NEW")
    states.mark_failed(approved, admin.id, "closed account")

    paid = request_in("paid", admin, affiliate)
    keys = ledger_keys(affiliate.id)
    proof = {"path": "proofs/new.png", "filename": "new.png", "content_type": "image/png"}
    fixed = states.correct_payment(paid, admin.id, transaction_id="FT2405-779", notes="typo in the id",
                                    proof=proof, ip="192.0.2.9")
    assert (fixed.status, fixed.transaction_id, fixed.payment_notes, fixed.proof_filename) == (
        "paid", "FT2405-779", "typo in the id", "new.png")
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "payout.payment_corrected"))
    assert event.before["transaction_id"] == "FT2405-778" and event.after["transaction_id"] == "FT2405-779"
    assert event.before["proof_filename"] is None and event.ip == "192.0.2.9"
    assert ledger_keys(affiliate.id) == keys

    states.correct_payment(paid, admin.id, transaction_id="FT2405-779")  # nothing new: nothing recorded
    assert payout_events(paid).count("payout.payment_corrected") == 1
    with pytest.raises(errors.TransactionIdRequired):
        states.correct_payment(paid, admin.id, transaction_id=" ")
    with pytest.raises(errors.PayoutNotFound):
        states.correct_payment(999_999, admin.id, notes="x")
