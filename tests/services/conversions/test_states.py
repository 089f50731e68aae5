from datetime import timedelta

import pytest

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.common import utcnow
from app.services.conversions import errors, refunds, states
from app.services.ledger import entries as ledger
from tests import factories
from tests.conversion_helpers import audit_actions, ledger_rows


@pytest.fixture
def reviewer(app):
    return factories.make_user("admin")


def test_approve_writes_one_commission_entry(app, reviewer):
    conversion = factories.make_conversion(amount=1_000_000)
    states.approve(conversion.id, reviewer.id, ip="192.0.2.5")
    assert conversion.status == "approved" and conversion.decided_by_id == reviewer.id
    (entry,) = ledger_rows(conversion.id)
    assert (entry.kind, entry.amount, entry.currency) == ("commission", 100_000, "VND")
    assert entry.affiliate_id == conversion.affiliate_id
    assert entry.idempotency_key == f"commission:conv:{conversion.id}"
    assert entry.available_at == conversion.payable_at
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "conversion.approved"))
    assert (event.before, event.after["status"], event.actor_id, event.ip) == (
        {"status": "pending"}, "approved", reviewer.id, "192.0.2.5")


def test_approving_twice_is_refused_and_writes_one_entry(app, reviewer):
    conversion = factories.make_conversion()
    states.approve(conversion.id, reviewer.id)
    with pytest.raises(errors.InvalidTransition):
        states.approve(conversion.id, reviewer.id)
    assert len(ledger_rows(conversion.id)) == 1
    assert audit_actions().count("conversion.approved") == 1


def test_reject_needs_a_reason(app, reviewer):
    conversion = factories.make_conversion()
    with pytest.raises(errors.ReasonRequired):
        states.reject(conversion.id, reviewer.id, "  ")
    states.reject(conversion.id, reviewer.id, "Order cancelled")
    assert conversion.status == "rejected" and conversion.reject_reason == "Order cancelled"
    assert ledger_rows() == []


def test_reverse_an_approved_conversion(app, reviewer):
    conversion = factories.make_conversion(amount=500_000)
    states.approve(conversion.id, reviewer.id)
    states.reverse(conversion.id, reviewer.id, "chargeback")
    assert conversion.status == "reversed" and conversion.commission_reversed == conversion.commission
    entries = ledger_rows(conversion.id)
    assert [(e.kind, e.amount) for e in entries] == [("commission", 50_000), ("reversal", -50_000)]
    assert sum(e.amount for e in entries) == 0
    assert audit_actions() == ["conversion.approved", "conversion.reversed"]


@pytest.mark.parametrize("start, target", [
    ("pending", "reversed"), ("pending", "pending"), ("approved", "approved"), ("approved", "rejected"),
    ("approved", "pending"), ("rejected", "approved"), ("rejected", "reversed"), ("reversed", "approved"),
    ("reversed", "pending"), ("pending", "paid"),
])
def test_refused_transitions(app, reviewer, start, target):
    conversion = factories.make_conversion(status=start)
    with pytest.raises(errors.InvalidTransition):
        states.transition(conversion.id, target, reviewer.id, reason="why")
    db.session.expire_all()
    assert conversion.status == start and ledger_rows() == []


def test_unknown_conversion(app, reviewer):
    with pytest.raises(errors.ConversionNotFound):
        states.approve(12345, reviewer.id)


def test_approval_after_a_partial_refund_credits_what_is_left(app, reviewer):
    conversion = factories.make_conversion(amount=1_000_000)
    refunds.refund(conversion.id, 250_000)
    states.approve(conversion.id, reviewer.id)
    (entry,) = ledger_rows(conversion.id)
    assert entry.amount == 75_000


def test_zero_commission_approval_writes_no_entry(app, reviewer):
    conversion = factories.make_conversion(amount=0)
    states.approve(conversion.id, reviewer.id)
    assert conversion.status == "approved" and ledger_rows() == []


def test_merchant_bulk_actions_only_touch_own_pending_conversions(app):
    campaign = factories.make_campaign()
    merchant = campaign.merchant
    mine = [factories.make_conversion(factories.make_click(factories.make_link(campaign))) for _ in range(3)]
    already = factories.make_conversion(factories.make_click(factories.make_link(campaign)), status="rejected")
    other = factories.make_conversion()
    ids = [c.id for c in mine[:2]] + [already.id, other.id]
    assert states.approve_many(ids, merchant) == 2
    with pytest.raises(errors.ReasonRequired):
        states.reject_many([mine[2].id], merchant, "")
    assert states.reject_many([mine[2].id, other.id], merchant, "duplicate orders") == 1
    db.session.expire_all()
    assert [c.status for c in mine] == ["approved", "approved", "rejected"]
    assert (already.status, other.status) == ("rejected", "pending")
    assert len(ledger_rows()) == 2


def test_affiliates_cannot_review(app):
    conversion = factories.make_conversion()
    affiliate = db.session.get(type(conversion.affiliate), conversion.affiliate_id)
    with pytest.raises(errors.ReviewNotAllowed):
        states.approve_many([conversion.id], affiliate)


def test_admin_bulk_approves_any_campaign(app, reviewer):
    a, b = factories.make_conversion(), factories.make_conversion()
    assert states.approve_many([a.id, b.id, a.id], reviewer) == 2


def test_auto_approve_due_skips_flagged_early_and_manual_campaigns(app):
    auto = factories.make_campaign(auto_approve=True, hold_days=7)
    manual = factories.make_campaign(auto_approve=False, hold_days=7)
    past = utcnow() - timedelta(days=1)

    def conv(campaign, **kw):
        return factories.make_conversion(factories.make_click(factories.make_link(campaign)), **kw)

    due = conv(auto, payable_at=past)
    flagged = conv(auto, payable_at=past, fraud_flags=["self_referral"])
    early = conv(auto, payable_at=utcnow() + timedelta(days=3))
    not_auto = conv(manual, payable_at=past)
    rejected = conv(auto, payable_at=past, status="rejected")
    assert states.auto_approve_due(utcnow()) == 1
    assert states.auto_approve_due(utcnow()) == 0
    db.session.expire_all()
    assert due.status == "approved" and due.decided_by_id is None
    assert [c.status for c in (flagged, early, not_auto, rejected)] == ["pending", "pending", "pending", "rejected"]
    assert [e.conversion_id for e in ledger_rows()] == [due.id]


def test_auto_approve_job(app):
    from app.jobs.conversions import auto_approve_due_job

    campaign = factories.make_campaign(auto_approve=True)
    conversion = factories.make_conversion(factories.make_click(factories.make_link(campaign)),
                                           payable_at=utcnow() - timedelta(seconds=1))
    assert auto_approve_due_job() == 1
    db.session.expire_all()
    assert conversion.status == "approved"


def test_ledger_append_is_idempotent_by_key(app):
    affiliate = factories.make_user("affiliate")
    first = ledger.append(affiliate.id, "VND", 500, "adjustment", "adjustment:test:1", memo="goodwill")
    again = ledger.append(affiliate.id, "VND", 500, "adjustment", "adjustment:test:1")
    db.session.commit()
    assert first is not None and first.memo == "goodwill" and again is None
    assert len(ledger_rows()) == 1
    assert ledger.append(affiliate.id, "VND", 0, "adjustment", "adjustment:test:2") is None
    with pytest.raises(ValueError):
        ledger.append(affiliate.id, "VND", 5, "bonus", "adjustment:test:3")
    with pytest.raises(TypeError):
        ledger.append(affiliate.id, "VND", 1.5, "adjustment", "adjustment:test:4")
