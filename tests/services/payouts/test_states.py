"""The payout state machine: every transition allowed and refused, releases, audit, log and emails."""
import pytest
from loguru import logger

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.money import PAYOUT_STATUSES, PayoutRequest
from app.services.ledger import balances
from app.services.payouts import errors, requests, states
from tests import factories
from tests.payout_helpers import (
    AMOUNT,
    PAID,
    PATHS,
    affiliate_with_details,
    earn,
    ledger_keys,
    payout_events,
    request_in,
    run,
)

# Which status each door leads to, and from where.
DOORS = {
    "approve": ("approved", {"requested"}),
    "reject": ("rejected", {"requested"}),
    "cancel": ("cancelled", {"requested"}),
    "mark_processing": ("processing", {"approved"}),
    "confirm_paid": ("paid", {"approved", "processing"}),
    "mark_failed": ("failed", {"approved", "processing"}),
}


@pytest.fixture
def setup(app):
    admin = factories.make_user("admin")
    affiliate = affiliate_with_details()
    earn(affiliate, 1_000_000)
    return admin, affiliate


def test_the_table_covers_every_status():
    assert set(PATHS) == set(PAYOUT_STATUSES)
    assert {(src, to) for to, sources in DOORS.values() for src in sources} == states.ALLOWED


@pytest.mark.parametrize("status", PAYOUT_STATUSES)
@pytest.mark.parametrize("door", DOORS)
def test_each_door_from_each_status(setup, door, status):
    admin, affiliate = setup
    request_id = request_in(status, admin, affiliate)
    keys_before = ledger_keys(affiliate.id)
    events_before = payout_events(request_id)
    to_status, sources = DOORS[door]
    if status in sources:
        changed = run(door, request_id, affiliate.id, admin.id, ip="192.0.2.7")
        assert changed.status == to_status
        assert payout_events(request_id) == events_before + [f"payout.{to_status}"]
        released = ledger_keys(affiliate.id)[len(keys_before):]
        if to_status in ("rejected", "cancelled", "failed"):
            assert released == [(f"release:payout:{request_id}", AMOUNT)]
        else:
            assert released == []
    else:
        with pytest.raises(errors.InvalidPayoutTransition) as refused:
            run(door, request_id, affiliate.id, admin.id)
        assert (refused.value.status, refused.value.to_status) == (status, to_status)
        db.session.expire_all()
        assert db.session.get(PayoutRequest, request_id).status == status
        assert ledger_keys(affiliate.id) == keys_before
        assert payout_events(request_id) == events_before


@pytest.mark.parametrize("door", ["reject", "cancel", "mark_failed"])
def test_releases_give_the_money_back_once(setup, door):
    admin, affiliate = setup
    request_id = request_in("requested" if door != "mark_failed" else "approved", admin, affiliate)
    assert balances.available(affiliate.id, "VND") == 1_000_000 - AMOUNT
    run(door, request_id, affiliate.id, admin.id)
    assert balances.available(affiliate.id, "VND") == 1_000_000
    with pytest.raises(errors.InvalidPayoutTransition):
        run(door, request_id, affiliate.id, admin.id)
    assert balances.available(affiliate.id, "VND") == 1_000_000


def test_a_second_identical_call_changes_nothing(setup, outbox):
    admin, affiliate = setup
    request_id = request_in("requested", admin, affiliate)
    states.approve(request_id, admin.id)
    with pytest.raises(errors.InvalidPayoutTransition):
        states.approve(request_id, admin.id)
    states.confirm_paid(request_id, admin.id, **PAID)
    with pytest.raises(errors.InvalidPayoutTransition):
        states.confirm_paid(request_id, admin.id, **PAID)
    assert payout_events(request_id) == ["payout.requested", "payout.approved", "payout.paid"]
    assert [k for k, _a in ledger_keys(affiliate.id) if "payout" in k] == [f"reserve:payout:{request_id}"]
    assert len(outbox) == 2


def test_approval_is_audited_logged_and_emailed(setup, outbox):
    admin, affiliate = setup
    request_id = request_in("requested", admin, affiliate)
    messages = []
    sink = logger.add(lambda m: messages.append(m.record["message"]), level="INFO")
    try:
        states.approve(request_id, admin.id, ip="192.0.2.7")
    finally:
        logger.remove(sink)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "payout.approved"))
    assert (event.actor_id, event.object_type, event.object_id, event.ip) == (
        admin.id, "payout_requests", str(request_id), "192.0.2.7")
    assert event.before == {"status": "requested"}
    assert event.after["status"] == "approved" and event.after["amount"] == AMOUNT
    assert f"payout approved id={request_id} amount={AMOUNT} currency=VND by={admin.id}" in messages
    made = db.session.get(PayoutRequest, request_id)
    assert (made.decided_by_id, made.decided_at is not None) == (admin.id, True)
    assert [m["to"] for m in outbox] == [affiliate.email]
    assert "approved" in outbox[0]["subject"] and "•••• 6789" in outbox[0]["body"]
    assert "0123456789" not in outbox[0]["body"]


def test_emails_go_out_on_approve_reject_paid_and_failed_only(setup, outbox):
    admin, affiliate = setup
    states.cancel(request_in("requested", admin, affiliate), affiliate.id)
    processing = request_in("processing", admin, affiliate)
    # Cancelling and starting the payment send nothing; only the approval was emailed.
    assert [m["subject"] for m in outbox] == ["Your payout request of ₫200,000 was approved"]
    states.mark_failed(processing, admin.id, "Stripe transfer failed")
    outbox.clear()

    request_in("rejected", admin, affiliate)
    request_in("failed", admin, affiliate)
    request_in("paid", admin, affiliate)
    assert [m["subject"] for m in outbox] == [
        "Your payout request of ₫200,000 was not approved",
        "Your payout request of ₫200,000 was approved", "Your payout of ₫200,000 could not be sent",
        "Your payout request of ₫200,000 was approved", "Your payout of ₫200,000 was sent",
    ]
    assert {m["to"] for m in outbox} == {affiliate.email}
    assert "Account name does not match" in outbox[0]["body"]
    assert "Bank returned the transfer" in outbox[2]["body"]
    assert "FT2405-778" in outbox[4]["body"]


def test_affiliate_language_is_used_in_emails(setup, outbox):
    admin, affiliate = setup
    affiliate.locale = "vi"
    db.session.commit()
    states.approve(request_in("requested", admin, affiliate), admin.id)
    # Amounts are written the Vietnamese way (the text itself is translated once the catalogue has it).
    assert outbox[-1]["to"] == affiliate.email and "200.000" in outbox[-1]["subject"]


@pytest.mark.parametrize("door", ["reject", "mark_failed"])
@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reject_and_fail_need_a_reason(setup, door, reason):
    admin, affiliate = setup
    request_id = request_in("requested" if door == "reject" else "approved", admin, affiliate)
    with pytest.raises(errors.ReasonRequired):
        getattr(states, door)(request_id, admin.id, reason)
    assert db.session.get(PayoutRequest, request_id).status in ("requested", "approved")


def test_unknown_request_is_not_found(app):
    with pytest.raises(errors.PayoutNotFound):
        states.approve(999_999, None)
    with pytest.raises(errors.PayoutNotFound):
        states.reject(999_999, None, "reason")


def test_approve_many_approves_only_requested_ones(setup, outbox):
    admin, affiliate = setup
    others = [affiliate_with_details() for _ in range(2)]
    for other in others:
        earn(other, 500_000)
    waiting = [requests.request_payout(o.id, 100_000, "VND").id for o in others]
    cancelled = request_in("requested", admin, affiliate)
    states.cancel(cancelled, affiliate.id)
    outbox.clear()

    assert states.approve_many([*waiting, cancelled, 999_999], admin, ip="192.0.2.1") == 2
    assert {db.session.get(PayoutRequest, i).status for i in waiting} == {"approved"}
    assert db.session.get(PayoutRequest, cancelled).status == "cancelled"
    assert sorted(m["to"] for m in outbox) == sorted(o.email for o in others)
    assert states.approve_many(waiting, admin) == 0
    assert states.approve_many([], admin) == 0


def test_approve_many_is_for_admins(setup):
    _admin, affiliate = setup
    with pytest.raises(errors.PayoutNotAllowed):
        states.approve_many([1], factories.make_user("merchant"))
    with pytest.raises(errors.PayoutNotAllowed):
        states.approve_many([1], affiliate)
