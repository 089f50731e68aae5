"""Paid commission: payouts cover approved commission oldest-payable first, and the rollup follows."""
from datetime import timedelta

from app.extensions import db
from app.models.analytics import DailyAffiliateStats
from app.models.common import utcnow
from app.services.analytics import rollup
from app.services.analytics.paid import allocate
from app.services.conversions import refunds
from app.services.payouts import requests
from app.services.payouts import states as payout_states
from tests.analytics_helpers import assert_rollup_matches_raw
from tests.payout_helpers import PAID, affiliate_with_details, earn


def test_payouts_cover_the_oldest_commission_first():
    assert allocate([(1, 100), (2, 50), (3, 70)], 120) == {1: (100, True), 2: (20, False)}
    assert allocate([(1, 100)], 0) == {}
    assert allocate([(1, 100), (2, 50)], 1_000) == {1: (100, True), 2: (50, True)}


def _paid_figures(affiliate):
    db.session.expire_all()
    rows = db.session.scalars(db.select(DailyAffiliateStats).where(DailyAffiliateStats.affiliate_id == affiliate.id))
    return sum(row.paid for row in rows), sum(row.commission_paid for row in db.session.scalars(
        db.select(DailyAffiliateStats).where(DailyAffiliateStats.affiliate_id == affiliate.id)))


def _pay(affiliate, amount):
    request = requests.request_payout(affiliate.id, amount, "VND")
    payout_states.approve(request.id, None)
    payout_states.confirm_paid(request.id, None, **PAID)


def test_a_paid_payout_reaches_the_rollup_and_a_later_refund_moves_the_line(app):
    affiliate = affiliate_with_details()
    older = earn(affiliate, 100_000, payable_at=utcnow() - timedelta(days=3))
    earn(affiliate, 60_000, payable_at=utcnow() - timedelta(days=2))
    rollup.run()
    assert _paid_figures(affiliate) == (0, 0)
    _pay(affiliate, 130_000)
    rollup.run()
    assert _paid_figures(affiliate) == (1, 130_000)
    assert_rollup_matches_raw()
    # Half the older order comes back: its commission shrinks, so the payout now covers both.
    refunds.refund(older.id, 500_000)
    rollup.run()
    assert _paid_figures(affiliate) == (2, 110_000)
    assert_rollup_matches_raw()
