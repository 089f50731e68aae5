"""Property: whatever happens to clicks and conversions, and whenever the rollup runs, the rollup plus
the rows above its watermarks equals the same figures computed from raw rows."""
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models.analytics import MEASURES, PAID_MEASURES
from app.services.analytics import rollup
from app.services.conversions import refunds, states
from app.services.conversions.record import record_conversion
from app.services.payouts import requests as payout_requests
from app.services.payouts import states as payout_states
from tests import factories
from tests.analytics_helpers import raw_figures, rollup_figures
from tests.payout_helpers import PAID, affiliate_with_details

# Around midnight in Ho Chi Minh City (17:00 UTC), over three days.
START = datetime(2026, 3, 1, 14, 0)
HOURS = st.integers(min_value=0, max_value=72)
DIMS = [("day", "campaign_id", "affiliate_id", "link_id", "sub_id", "currency"), ("referrer",),
        ("day", "campaign_id"), ("affiliate_id",)]

click = st.tuples(st.just("click"), st.integers(0, 2), HOURS, st.sampled_from(["a", "b", None]),
                  st.sampled_from(["https://www.facebook.com/x", "https://zalo.me/", None]), st.booleans())
convert = st.tuples(st.just("convert"), st.integers(0, 30), st.integers(1, 50).map(lambda n: n * 10_000))
decide = st.tuples(st.sampled_from(["approve", "reject", "reverse", "refund_part", "refund_all"]), st.integers(0, 30))
pay = st.tuples(st.just("pay"), st.integers(0, 1))
run = st.tuples(st.just("run"))
STEPS = st.lists(st.one_of(click, click, convert, decide, decide, pay, run), min_size=1, max_size=30)


class Programme:
    """Two affiliates on one campaign (three links), with what happened to them."""

    def __init__(self):
        self.campaign = factories.make_campaign(commission_type="percent", hold_days=0, attribution_days=30)
        self.affiliates = [affiliate_with_details() for _ in range(2)]
        for affiliate in self.affiliates:
            factories.make_membership(self.campaign, affiliate)
        self.links = [factories.make_link(self.campaign, self.affiliates[n % 2], sub_id=f"s{n}") for n in range(3)]
        self.clicks, self.conversions = [], []

    def apply(self, step) -> None:
        kind = step[0]
        if kind == "click":
            _, link, hours, sub, referrer, unique = step
            self.clicks.append(factories.make_click(
                self.links[link], created_at=START + timedelta(hours=hours, minutes=len(self.clicks)), sub1=sub,
                referrer=referrer, is_unique=unique, ip="203.0.113.5"))
        elif kind == "convert" and self.clicks:
            clicked = self.clicks[step[1] % len(self.clicks)]
            conversion, _created = record_conversion(
                merchant_id=None, campaign_id=None, click_public_id=clicked.public_id,
                order_id=f"o{len(self.conversions)}-{self.campaign.id}", amount=step[2], currency="VND",
                source="api", now=clicked.created_at + timedelta(minutes=30))
            self.conversions.append(conversion.id)
        elif kind == "pay":
            self._pay(self.affiliates[step[1]])
        elif kind == "run":
            rollup.run()
        elif self.conversions:
            self._decide(kind, self.conversions[step[1] % len(self.conversions)])

    @staticmethod
    def _decide(kind, conversion_id) -> None:
        door = {"approve": lambda: states.approve(conversion_id, None),
                "reject": lambda: states.reject(conversion_id, None, "not a real order"),
                "reverse": lambda: states.reverse(conversion_id, None, "returned"),
                "refund_part": lambda: refunds.refund(conversion_id, 10_000),
                "refund_all": lambda: refunds.refund(conversion_id, _left(conversion_id))}[kind]
        try:
            door()
        except Exception:  # refused by the conversion's state machine: nothing changed
            from app.extensions import db

            db.session.rollback()

    @staticmethod
    def _pay(affiliate) -> None:
        from app.extensions import db

        try:
            request = payout_requests.request_payout(affiliate.id, 50_000, "VND")
        except Exception:  # not enough available, or a request already open
            db.session.rollback()
            return
        payout_states.approve(request.id, None)
        payout_states.confirm_paid(request.id, None, **PAID)


def _left(conversion_id) -> int:
    from app.extensions import db
    from app.models.conversions import Conversion

    conversion = db.session.get(Conversion, conversion_id)
    return max(conversion.amount - conversion.refunded_amount, 1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(steps=STEPS)
def test_rollup_and_newer_rows_always_equal_raw_figures(app, steps):
    programme = Programme()
    only = {"campaign_id": programme.campaign.id}
    unpaid = [name for name in MEASURES if name not in PAID_MEASURES]
    for step in steps:
        programme.apply(step)
    # Paid shares move when the job runs; everything else counts at once.
    for dims in DIMS:
        assert rollup_figures(dims, only, unpaid) == raw_figures(dims, only, unpaid), dims
    rollup.run()
    for dims in DIMS:
        assert rollup_figures(dims, only) == raw_figures(dims, only), dims
