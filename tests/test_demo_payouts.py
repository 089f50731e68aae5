"""The demo's payouts leave the admin queue and the affiliate's history with something in them."""
from app.demo import load_demo
from app.extensions import db
from app.models.money import PayoutRequest
from app.models.users import User
from app.services.ledger import balances, verify


def _requests():
    return list(db.session.scalars(db.select(PayoutRequest).order_by(PayoutRequest.id)))


def test_demo_has_one_paid_payout_and_one_waiting(app):
    assert load_demo() is not None
    paid, waiting = _requests()
    assert paid.status == "paid" and paid.transaction_id and paid.amount == 100_000
    assert waiting.status == "requested" and waiting.affiliate_id == paid.affiliate_id
    assert waiting.details["method"] == "bank_transfer"


def test_demo_leaves_affiliate1_a_balance_to_request_from(app):
    load_demo()
    affiliate1 = db.session.scalar(db.select(User).where(User.email == "affiliate1@demo.test"))
    assert balances.available(affiliate1.id, "VND") >= 50_000
    assert affiliate1.affiliate_profile.payout_method == "bank_transfer"


def test_demo_ledger_verifies_clean(app):
    load_demo()
    assert verify.verify().ok
