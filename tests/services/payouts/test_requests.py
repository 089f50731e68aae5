"""Requesting payouts: minimums, the available balance, one open request per currency, the reserve."""
import pytest
from loguru import logger

from app.extensions import db
from app.models.money import LedgerEntry, PayoutRequest
from app.services.ledger import balances
from app.services.payouts import details, errors, requests, states
from tests import factories
from tests.payout_helpers import BANK, affiliate_with_details, earn, ledger_keys, payout_events


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def nothing_saved():
    return count(PayoutRequest) == 0 and db.session.scalar(
        db.select(db.func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "payout_reserve")) == 0


@pytest.fixture
def rich(app):
    """An affiliate with bank details and 1,000,000 VND available."""
    affiliate = affiliate_with_details()
    earn(affiliate, 1_000_000)
    return affiliate


def test_vnd_minimum_boundary(rich):
    with pytest.raises(errors.PayoutBelowMinimum) as refused:
        requests.request_payout(rich.id, 49_999, "VND")
    assert refused.value.field == "amount" and refused.value.minimum == 50_000
    assert "50,000" in refused.value.message
    assert nothing_saved()
    assert requests.request_payout(rich.id, 50_000, "VND").amount == 50_000


def test_minimums_come_from_config_per_currency(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAYOUT_MINIMUMS", {"VND": 50_000, "USD": 1_000})
    affiliate = affiliate_with_details()
    earn(affiliate, 5_000, currency="USD")
    earn(affiliate, 5_000, currency="JPY")
    with pytest.raises(errors.PayoutBelowMinimum):
        requests.request_payout(affiliate.id, 999, "USD")
    assert requests.request_payout(affiliate.id, 1_000, "USD").currency == "USD"
    # A currency without a configured minimum only needs more than zero.
    assert requests.minimum_for("JPY") == 0
    assert requests.request_payout(affiliate.id, 1, "JPY").amount == 1


@pytest.mark.parametrize("amount", [0, -5, 1.5, True, "50000", None])
def test_amount_must_be_a_positive_integer(rich, amount):
    with pytest.raises(errors.InvalidPayoutAmount):
        requests.request_payout(rich.id, amount, "VND")
    assert nothing_saved()


@pytest.mark.parametrize("currency", ["", "XXX", None])
def test_unknown_currency_is_refused(rich, currency):
    with pytest.raises(errors.UnknownCurrency):
        requests.request_payout(rich.id, 60_000, currency)


@pytest.mark.parametrize("amount", [1_000_001, 10**30])
def test_above_the_available_balance_is_refused(rich, amount):
    with pytest.raises(errors.PayoutAboveAvailable) as refused:
        requests.request_payout(rich.id, amount, "VND")
    assert refused.value.available == 1_000_000 and refused.value.field == "amount"
    assert nothing_saved()
    assert requests.request_payout(rich.id, 1_000_000, "VND").amount == 1_000_000


def test_the_request_reserves_the_amount_at_once(rich):
    made = requests.request_payout(rich.id, 300_000, "VND", ip="203.0.113.5")
    assert made.status == "requested" and made.idempotency_key and len(made.idempotency_key) <= 64
    assert ledger_keys(rich.id)[-1] == (f"reserve:payout:{made.id}", -300_000)
    reserve = db.session.scalar(db.select(LedgerEntry).where(LedgerEntry.kind == "payout_reserve"))
    assert reserve.payout_request_id == made.id
    assert balances.available(rich.id, "VND") == 700_000
    assert payout_events(made.id) == ["payout.requested"]


def test_one_open_request_per_currency(rich):
    earn(rich, 5_000, currency="USD")
    first = requests.request_payout(rich.id, 100_000, "VND")
    with pytest.raises(errors.PayoutAlreadyOpen) as refused:
        requests.request_payout(rich.id, 100_000, "VND")
    assert refused.value.field == "currency"
    assert count(PayoutRequest) == 1
    assert requests.request_payout(rich.id, 5_000, "USD").currency == "USD"  # another currency is fine

    states.approve(first.id, None)  # still open while approved
    with pytest.raises(errors.PayoutAlreadyOpen):
        requests.request_payout(rich.id, 100_000, "VND")


def test_the_database_index_backs_the_open_request_rule(rich, monkeypatch):
    """Even if the check before the insert misses it, the partial unique index refuses a second one."""
    requests.request_payout(rich.id, 100_000, "VND")
    real, calls = requests.open_request, []

    def misses_the_first_time(*args):
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(requests, "open_request", misses_the_first_time)
    with pytest.raises(errors.PayoutAlreadyOpen):
        requests.request_payout(rich.id, 100_000, "VND")
    assert count(PayoutRequest) == 1
    assert [k for k, _amount in ledger_keys(rich.id) if k.startswith("reserve:")] == ["reserve:payout:1"]


def test_a_closed_request_frees_the_currency(rich):
    first = requests.request_payout(rich.id, 100_000, "VND")
    states.cancel(first.id, rich.id)
    assert requests.request_payout(rich.id, 100_000, "VND").id != first.id


def test_payout_details_are_required(app):
    affiliate = factories.make_user("affiliate")
    earn(affiliate, 100_000)
    with pytest.raises(errors.PayoutDetailsMissing):
        requests.request_payout(affiliate.id, 60_000, "VND")
    assert nothing_saved()


def test_the_request_keeps_the_details_of_its_moment(rich):
    made = requests.request_payout(rich.id, 100_000, "VND")
    details.update(rich.id, "momo", {"momo_phone": "0912345678"})
    db.session.expire_all()
    made = db.session.get(PayoutRequest, made.id)
    assert made.method == "bank_transfer"
    assert made.details == {"method": "bank_transfer", "bank_code": "VCB", "bank_name": "Vietcombank",
                            "bank_account": BANK["bank_account"], "account_holder": BANK["account_holder"]}
    states.cancel(made.id, rich.id)
    assert requests.request_payout(rich.id, 100_000, "VND").details == {"method": "momo", "momo_phone": "0912345678"}


def test_only_affiliates_request_payouts(app):
    merchant = factories.make_user("merchant")
    with pytest.raises(errors.PayoutNotAllowed):
        requests.request_payout(merchant.id, 60_000, "VND")


def test_requests_are_logged(rich):
    messages = []
    sink = logger.add(lambda m: messages.append(m.record["message"]), level="INFO")
    try:
        made = requests.request_payout(rich.id, 60_000, "VND")
    finally:
        logger.remove(sink)
    assert f"payout requested id={made.id} amount=60000 currency=VND by={rich.id}" in messages


def test_cancel_releases_and_only_while_requested(rich, outbox):
    made = requests.request_payout(rich.id, 100_000, "VND")
    cancelled = states.cancel(made.id, rich.id, ip="198.51.100.1")
    assert cancelled.status == "cancelled"
    assert ledger_keys(rich.id)[-1] == (f"release:payout:{made.id}", 100_000)
    assert balances.available(rich.id, "VND") == 1_000_000
    assert outbox == []  # the affiliate did it themself
    with pytest.raises(errors.InvalidPayoutTransition):
        states.cancel(made.id, rich.id)

    approved = requests.request_payout(rich.id, 100_000, "VND")
    states.approve(approved.id, None)
    with pytest.raises(errors.InvalidPayoutTransition):
        states.cancel(approved.id, rich.id)
    assert len([k for k, _a in ledger_keys(rich.id) if k.startswith("release:")]) == 1


def test_nobody_cancels_another_affiliates_request(rich):
    made = requests.request_payout(rich.id, 100_000, "VND")
    other = affiliate_with_details()
    with pytest.raises(errors.PayoutNotFound):
        states.cancel(made.id, other.id)
    with pytest.raises(errors.PayoutNotFound):
        states.cancel(999_999, rich.id)
    assert db.session.get(PayoutRequest, made.id).status == "requested"
