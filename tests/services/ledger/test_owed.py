"""Negative balances: a refund after payout is owed, netted against new commission, and can be written off."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.money import LedgerEntry
from app.services.ledger import balances, owed, verify
from app.services.payouts import requests
from app.services.payouts.errors import PayoutAboveAvailable
from tests import factories
from tests.payout_helpers import OWED_COMMISSION as COMMISSION
from tests.payout_helpers import affiliate_with_details, earn, paid_then_refunded


@pytest.fixture
def admin(app):
    return factories.make_user("admin")


def test_a_refund_after_payout_is_owed_with_the_order_that_caused_it(app, admin):
    affiliate = affiliate_with_details()
    conversion = paid_then_refunded(affiliate, admin)
    assert owed.owed(affiliate.id, "VND") == COMMISSION
    (cause,) = owed.causes(affiliate.id, "VND", COMMISSION)
    assert cause.conversion.id == conversion.id and cause.entry.amount == -COMMISSION


def test_no_payout_is_requested_while_money_is_owed_and_new_commission_nets_it_off(app, admin):
    affiliate = affiliate_with_details()
    paid_then_refunded(affiliate, admin)
    earn(affiliate, 40_000)
    with pytest.raises(owed.BalanceOwed) as refused:
        requests.request_payout(affiliate.id, 50_000, "VND")
    assert refused.value.owed == 20_000 and "20,000" in refused.value.message
    earn(affiliate, 70_000)
    assert balances.available(affiliate.id, "VND") == 50_000
    with pytest.raises(PayoutAboveAvailable):
        requests.request_payout(affiliate.id, 60_000, "VND")
    assert requests.request_payout(affiliate.id, 50_000, "VND").amount == 50_000


def test_admins_see_every_negative_balance(app, admin):
    owing, fine = affiliate_with_details(), affiliate_with_details()
    paid_then_refunded(owing, admin)
    earn(fine, 10_000)
    (debt,) = owed.negative_balances()
    assert (debt.affiliate.id, debt.currency, debt.owed) == (owing.id, "VND", COMMISSION)


def test_a_write_off_is_an_audited_adjustment_within_what_is_owed(app, admin):
    affiliate = affiliate_with_details()
    paid_then_refunded(affiliate, admin)
    with pytest.raises(owed.ReasonRequired):
        owed.write_off(affiliate.id, "VND", 10_000, "  ", actor_id=admin.id)
    with pytest.raises(owed.WriteOffTooLarge):
        owed.write_off(affiliate.id, "VND", COMMISSION + 1, "Goodwill", actor_id=admin.id)
    entry = owed.write_off(affiliate.id, "VND", 25_000, "Customer fraud, not the affiliate's fault",
                           actor_id=admin.id, ip="198.51.100.4")
    assert (entry.kind, entry.amount) == ("adjustment", 25_000)
    assert owed.owed(affiliate.id, "VND") == COMMISSION - 25_000
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ledger.written_off"))
    assert event.actor_id == admin.id and event.object_id == str(affiliate.id) and event.ip == "198.51.100.4"
    assert event.after["reason"] == "Customer fraud, not the affiliate's fault"
    assert (event.before["owed"], event.after["owed"]) == (COMMISSION, COMMISSION - 25_000)
    owed.write_off(affiliate.id, "VND", COMMISSION - 25_000, "Rest of it", actor_id=admin.id)
    assert owed.owed(affiliate.id, "VND") == 0 and owed.negative_balances() == []
    with pytest.raises(owed.NothingOwed):
        owed.write_off(affiliate.id, "VND", 1, "Again", actor_id=admin.id)
    # Nothing earlier was changed: the write-offs are entries of their own.
    kinds = [e.kind for e in db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))]
    assert kinds[-2:] == ["adjustment", "adjustment"] and "reversal" in kinds
    assert verify.verify().differences == []
