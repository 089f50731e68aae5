"""Real concurrency on Postgres: many requests or reviewers at the same moment, one outcome."""
from collections import Counter

from app.extensions import db
from app.models.conversions import Conversion, Refund
from app.models.money import LedgerEntry
from app.models.users import User
from app.services.conversions import errors, refunds, states
from app.services.conversions import record as conversions
from tests import factories
from tests.concurrency import postgres_only, run_together
from tests.conversion_helpers import make_key, setup_click

pytestmark = postgres_only()


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_fifty_identical_posts_record_one_conversion_and_one_commission(app):
    merchant, raw = make_key()
    _campaign, click = setup_click(merchant)
    payload = {"click_id": click.public_id, "order_id": "RACE-1", "amount": 990_000, "currency": "VND"}

    def post(_i):
        response = app.test_client().post("/api/v1/conversions", json=payload,
                                          headers={"Authorization": f"Bearer {raw}"})
        return response.status_code, response.get_json()

    results = run_together(app, 50, post)
    statuses = Counter(status for status, _body in results)
    assert statuses == {201: 1, 200: 49}
    assert len({repr(sorted(body.items())) for _status, body in results}) == 1
    assert count(Conversion) == 1

    conversion_id = results[0][1]["id"]
    approvals = run_together(app, 20, lambda _i: states.approve(conversion_id, merchant.id).status)
    assert approvals.count("approved") == 1
    assert all(isinstance(r, errors.InvalidTransition) for r in approvals if r != "approved")
    assert count(LedgerEntry) == 1
    assert db.session.scalar(db.select(LedgerEntry.amount)) == 99_000


def test_simultaneous_conflicting_orders_keep_the_first(app):
    campaign, click = setup_click()
    # Plain values only: ORM objects belong to this thread's session.
    merchant_id, public_id = campaign.merchant_id, click.public_id

    def record(i):
        conversion, created = conversions.record_conversion(
            merchant_id=merchant_id, campaign_id=None, click_public_id=public_id,
            order_id="RACE-2", amount=1000 + i % 2, currency="VND", source="api")
        return conversion.amount, created

    results = run_together(app, 30, record)
    conflicts = [r for r in results if isinstance(r, errors.OrderConflict)]
    recorded = [r for r in results if isinstance(r, tuple)]
    assert count(Conversion) == 1
    winner = db.session.scalar(db.select(Conversion.amount))
    assert len(recorded) == 15 and len(conflicts) == 15, results
    assert {amount for amount, _created in recorded} == {winner}
    assert [created for _amount, created in recorded].count(True) == 1


def test_simultaneous_repeats_of_one_refund_refund_once(app):
    conversion = factories.make_conversion(amount=1_000_000)
    states.approve(conversion.id, None)
    conversion_id = conversion.id

    results = run_together(app, 20, lambda _i: refunds.refund(conversion_id, 300_000, external_id="re_race").id)
    assert len(set(results)) == 1 and all(isinstance(r, int) for r in results)
    assert count(Refund) == 1
    db.session.expire_all()
    assert db.session.get(Conversion, conversion_id).refunded_amount == 300_000
    assert sorted(db.session.scalars(db.select(LedgerEntry.amount))) == [-30_000, 100_000]


def test_simultaneous_partial_refunds_never_exceed_the_order(app):
    conversion = factories.make_conversion(amount=1000)
    conversion_id = conversion.id
    results = run_together(app, 12, lambda _i: refunds.refund(conversion_id, 100).commission_delta)
    assert sum(isinstance(r, int) for r in results) == 10
    assert all(isinstance(r, (int, errors.RefundTooLarge, errors.RefundNotAllowed)) for r in results)
    db.session.expire_all()
    refreshed = db.session.get(Conversion, conversion_id)
    assert refreshed.refunded_amount == 1000 and refreshed.status == "rejected"
    assert refreshed.commission_reversed == refreshed.commission == 100


def test_two_bulk_approvals_at_once_approve_each_conversion_once(app):
    campaign = factories.make_campaign()
    ids = [factories.make_conversion(factories.make_click(factories.make_link(campaign))).id for _ in range(8)]
    merchant_id = campaign.merchant_id

    def bulk(i):
        actor = db.session.get(User, merchant_id)
        return states.approve_many(ids if i % 2 else list(reversed(ids)), actor)

    results = run_together(app, 6, bulk)
    assert sum(results) == 8
    assert count(LedgerEntry) == 8
