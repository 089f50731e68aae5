import pytest

from app.extensions import db
from app.models.conversions import Refund
from app.services.conversions import errors, refunds, states
from app.services.conversions.refunds import commission_share
from tests import factories
from tests.conversion_helpers import audit_actions, ledger_rows


@pytest.fixture
def admin(app):
    return factories.make_user("admin")


def approved(amount=1_000_000, admin=None):
    conversion = factories.make_conversion(amount=amount)
    states.approve(conversion.id, admin.id if admin else None)
    return conversion


def test_full_refund_of_an_approved_conversion_reverses_it(app, admin):
    conversion = approved(admin=admin)
    refund = refunds.refund(conversion.id, 1_000_000, actor_id=admin.id, reason="returned")
    assert (refund.amount, refund.commission_delta) == (1_000_000, 100_000)
    assert conversion.status == "reversed"
    assert (conversion.refunded_amount, conversion.commission_reversed) == (1_000_000, 100_000)
    entries = ledger_rows(conversion.id)
    assert [(e.kind, e.amount, e.idempotency_key) for e in entries] == [
        ("commission", 100_000, f"commission:conv:{conversion.id}"),
        ("reversal", -100_000, f"reversal:refund:{refund.id}"),
    ]
    assert "conversion.refunded" in audit_actions() and "conversion.reversed" in audit_actions()


def test_partial_refunds_take_proportional_commission_and_end_exactly(app, admin):
    conversion = approved(amount=100, admin=admin)  # commission 10
    first = refunds.refund(conversion.id, 33)     # 3.3 -> 3
    second = refunds.refund(conversion.id, 25)    # 2.5 -> 3 (half-up)
    assert (first.commission_delta, second.commission_delta) == (3, 3)
    assert conversion.status == "approved" and conversion.commission_reversed == 6
    last = refunds.refund(conversion.id, 42)      # completes the order: exactly the remaining 4
    assert last.commission_delta == 4
    assert conversion.status == "reversed"
    entries = ledger_rows(conversion.id)
    assert [e.amount for e in entries] == [10, -3, -3, -4]
    assert sum(e.amount for e in entries) == 0


def test_share_never_exceeds_what_is_left(app):
    conversion = factories.make_conversion(amount=3)  # commission 0.3 -> 0
    conversion.commission = 1
    conversion.refunded_amount, conversion.commission_reversed = 0, 1
    assert commission_share(conversion, 2) == 0


def test_refunds_cannot_exceed_the_order(app):
    conversion = approved(amount=1000)
    refunds.refund(conversion.id, 600)
    with pytest.raises(errors.RefundTooLarge) as info:
        refunds.refund(conversion.id, 401)
    assert info.value.field == "amount"
    db.session.expire_all()
    assert conversion.refunded_amount == 600 and len(ledger_rows(conversion.id)) == 2


@pytest.mark.parametrize("amount", [0, -5, 1.5, True, "10"])
def test_refund_amount_must_be_a_positive_integer(app, amount):
    conversion = factories.make_conversion()
    with pytest.raises(errors.InvalidConversion):
        refunds.refund(conversion.id, amount)


def test_partial_refund_of_a_pending_conversion_writes_no_ledger_entry(app, admin):
    conversion = factories.make_conversion(amount=1_000_000)
    refund = refunds.refund(conversion.id, 400_000)
    assert refund.commission_delta == 40_000 and conversion.status == "pending"
    assert ledger_rows() == []
    states.approve(conversion.id, admin.id)
    assert [e.amount for e in ledger_rows()] == [60_000]


def test_full_refund_of_a_pending_conversion_rejects_it(app):
    conversion = factories.make_conversion(amount=1_000_000)
    refunds.refund(conversion.id, 1_000_000)
    assert conversion.status == "rejected" and conversion.reject_reason == "refunded"
    assert ledger_rows() == []


@pytest.mark.parametrize("status", ["rejected", "reversed"])
def test_closed_conversions_cannot_be_refunded(app, status):
    conversion = factories.make_conversion(status=status)
    with pytest.raises(errors.RefundNotAllowed):
        refunds.refund(conversion.id, 1)


def test_repeated_refund_id_is_idempotent(app):
    conversion = approved(amount=1_000_000)
    first, created = refunds.record_refund(conversion.id, 200_000, external_id="re_123")
    again, created_again = refunds.record_refund(conversion.id, 200_000, external_id="re_123")
    assert created and not created_again and again.id == first.id
    assert db.session.scalar(db.select(db.func.count()).select_from(Refund)) == 1
    db.session.expire_all()
    assert conversion.refunded_amount == 200_000
    assert [e.amount for e in ledger_rows()] == [100_000, -20_000]
    assert refunds.refund(conversion.id, 200_000, external_id="re_123").id == first.id


def test_refund_id_reused_with_other_values_conflicts(app):
    conversion = approved()
    other = approved()
    refunds.refund(conversion.id, 100, external_id="re_9")
    with pytest.raises(errors.RefundConflict):
        refunds.refund(conversion.id, 200, external_id="re_9")
    with pytest.raises(errors.RefundConflict):
        refunds.refund(other.id, 100, external_id="re_9")


def test_refund_of_unknown_conversion(app):
    with pytest.raises(errors.ConversionNotFound):
        refunds.refund(999, 1)
