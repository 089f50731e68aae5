"""`flask ledger verify`: clean books pass; a corrupted or stray row is reported with exit code 1."""
import os
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models.common import utcnow
from app.models.money import LedgerEntry
from app.services.conversions import refunds
from app.services.conversions import states as conversion_states
from app.services.ledger import entries, verify
from app.services.payouts import requests
from app.services.payouts import states as payout_states
from tests import factories
from tests.payout_helpers import affiliate_with_details, conversion_for, earn

on_postgres = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                 reason="the append-only trigger exists on Postgres only")
on_sqlite = pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                               reason="Postgres refuses to change ledger rows, so they cannot be corrupted in place")


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        result = runner.invoke(args=["ledger", *args])
        db.session.expire_all()
        return result

    return invoke


@pytest.fixture
def books(app):
    """A lived-in ledger: commissions, refunds before and after approval, every kind of payout outcome."""
    admin = factories.make_user("admin")
    affiliate = affiliate_with_details()
    a = earn(affiliate, 300_000)
    b = conversion_for(affiliate, 100_000)
    refunds.refund(b.id, b.amount // 5)  # before approval: the commission entry is 80,000
    conversion_states.approve(b.id, None)
    refunds.refund(b.id, b.amount // 10)  # after approval: a reversal entry
    c = earn(affiliate, 50_000, payable_at=utcnow() + timedelta(days=20))
    conversion_states.reverse(c.id, None, reason="chargeback")
    refunds.refund(a.id, a.amount)  # a refund of the whole order, after approval
    earn(affiliate, 400_000)
    conversion_for(affiliate, 9_000)  # pending: no entries
    rejected = conversion_for(affiliate, 9_000)
    conversion_states.reject(rejected.id, None, "test order")

    made = requests.request_payout(affiliate.id, 60_000, "VND")
    payout_states.reject(made.id, admin.id, "wrong name")
    made = requests.request_payout(affiliate.id, 60_000, "VND")
    payout_states.cancel(made.id, affiliate.id)
    made = requests.request_payout(affiliate.id, 70_000, "VND")
    payout_states.approve(made.id, admin.id)
    payout_states.mark_failed(made.id, admin.id, "bounced")
    made = requests.request_payout(affiliate.id, 100_000, "VND")
    payout_states.approve(made.id, admin.id)
    payout_states.confirm_paid(made.id, admin.id, method="bank_transfer", transaction_id="T1", paid_on=date.today())
    open_request = requests.request_payout(affiliate.id, 80_000, "VND")

    usd = affiliate_with_details()
    earn(usd, 9_000, currency="USD")
    requests.request_payout(usd.id, 5_000, "USD")
    return {"affiliate": affiliate, "conversion": b, "open": open_request, "usd": usd}


def test_clean_books_pass(books, run):
    report = verify.verify()
    assert report.ok, [str(d) for d in report.differences]
    assert (report.balances, report.requests) == (2, 6)
    result = run("verify")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Ledger OK:")
    assert "0 differences" in result.output


def test_an_empty_ledger_passes(app, run):
    result = run("verify")
    assert result.exit_code == 0 and "0 ledger entries" in result.output


def test_a_stray_entry_is_caught(books, run):
    affiliate = books["affiliate"]
    entries.append(affiliate.id, "VND", 55_555, "adjustment", "stray:1", memo="typed by hand")
    db.session.commit()
    result = run("verify")
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if "balance" in line)
    assert f"affiliate={affiliate.id} currency=VND" in line
    assert "found=" in line and "expected=" in line
    found = [d for d in verify.verify().differences if "balance" in d.what][0]
    assert found.found - found.expected == 55_555


def test_a_second_commission_for_one_conversion_is_caught(books):
    conversion = books["conversion"]
    entries.append(conversion.affiliate_id, "VND", 80_000, "commission", "commission:conv:again",
                  conversion_id=conversion.id)
    db.session.commit()
    whats = [d.what for d in verify.verify().differences]
    assert f"conversion {conversion.id}: number of commission entries" in whats


def test_a_second_reserve_for_a_request_is_caught(books):
    made = books["open"]
    entries.append(made.affiliate_id, "VND", -made.amount, "payout_reserve", "reserve:again",
                  payout_request_id=made.id)
    db.session.commit()
    differences = verify.verify().differences
    assert any(d.what == f"payout request {made.id}: number of reserve entries" and (d.expected, d.found) == (1, 2)
               for d in differences)


def test_a_release_for_an_open_request_is_caught(books):
    made = books["open"]
    entries.append(made.affiliate_id, "VND", made.amount, "payout_release", "release:early",
                  payout_request_id=made.id)
    db.session.commit()
    whats = [d.what for d in verify.verify().differences]
    assert f"payout request {made.id}: release entry (requested)" in whats


def test_entries_without_a_source_are_caught(books):
    affiliate = books["affiliate"]
    entries.append(affiliate.id, "VND", 1_000, "commission", "commission:nowhere")
    entries.append(affiliate.id, "VND", -1_000, "reversal", "reversal:refund:999999",
                  conversion_id=books["conversion"].id)
    db.session.commit()
    whats = [d.what for d in verify.verify().differences]
    assert any("references no existing conversion" in w for w in whats)
    assert any("references no existing refund" in w for w in whats)


def test_an_entry_in_the_wrong_currency_is_caught(books):
    usd = books["usd"]
    conversion = conversion_for(usd, 3_000, currency="USD")
    conversion_states.approve(conversion.id, None)
    entries.append(usd.id, "VND", 3_000, "commission", "commission:wrong-currency", conversion_id=conversion.id)
    db.session.commit()
    whats = [d.what for d in verify.verify().differences]
    assert any("another affiliate or currency" in w for w in whats)


@on_sqlite
def test_an_amount_changed_in_place_is_caught(books, run):
    entry_id = db.session.scalar(db.select(LedgerEntry.id).where(LedgerEntry.kind == "commission").limit(1))
    db.session.execute(text("UPDATE ledger_entries SET amount = amount + 1 WHERE id = :id"), {"id": entry_id})
    db.session.commit()
    result = run("verify")
    assert result.exit_code == 1
    assert "commission entry" in result.output and "Ledger has differences" in result.output


@on_sqlite
def test_a_deleted_release_is_caught(books):
    db.session.execute(text("DELETE FROM ledger_entries WHERE kind = 'payout_release' AND id = "
                            "(SELECT min(id) FROM ledger_entries WHERE kind = 'payout_release')"))
    db.session.commit()
    whats = [d.what for d in verify.verify().differences]
    assert any("number of release entries (rejected)" in w for w in whats)


@pytest.mark.postgres
@on_postgres
@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entries SET amount = amount + 1",
    "UPDATE ledger_entries SET memo = 'changed'",
    "DELETE FROM ledger_entries",
])
def test_postgres_refuses_to_change_ledger_rows(app, statement):
    affiliate = affiliate_with_details()
    earn(affiliate, 100_000)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.scalar(db.select(LedgerEntry.amount)) == 100_000
    assert db.session.scalar(db.select(LedgerEntry.memo)) != "changed"
