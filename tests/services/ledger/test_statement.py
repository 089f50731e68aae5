"""The statement's reading of the ledger: which currencies, days in the reader's zone, cursors of negative amounts."""
from datetime import date, datetime

from app.services.common.keyset import Cursor, Order
from app.services.ledger import statement
from app.services.ledger.statement import StatementFilters
from tests import factories
from tests.payout_helpers import ledger_entry as entry

ZONE = "Asia/Ho_Chi_Minh"


def test_currencies_are_those_the_affiliate_has_entries_in(app):
    affiliate, other = factories.make_user("affiliate"), factories.make_user("affiliate")
    assert statement.currencies_of(affiliate.id) == []
    entry(affiliate, 5, currency="USD")
    entry(affiliate, 5_000)
    entry(other, 5, currency="EUR")
    assert statement.currencies_of(affiliate.id) == ["VND", "USD"]


def test_days_are_calendar_days_in_the_readers_zone(app):
    affiliate = factories.make_user("affiliate")
    # 23:30 UTC on the 1st is already the 2nd in Vietnam.
    late = entry(affiliate, 1_000, created_at=datetime(2026, 3, 1, 23, 30))
    early = entry(affiliate, 2_000, created_at=datetime(2026, 3, 1, 16, 30))
    filters = StatementFilters(date_from=date(2026, 3, 2), date_to=date(2026, 3, 2))
    page = statement.statement_page(affiliate.id, filters, ZONE, ["VND"])
    assert [e.id for e in page.items] == [late.id]
    page = statement.statement_page(affiliate.id, StatementFilters(date_to=date(2026, 3, 1)), ZONE, ["VND"])
    assert [e.id for e in page.items] == [early.id]


def test_a_window_continues_after_a_negative_amount(app):
    affiliate = factories.make_user("affiliate")
    made = [entry(affiliate, amount) for amount in (-30_000, -10_000, 20_000, -20_000)]
    order = Order("amount", descending=False)
    first = statement.statement_page(affiliate.id, StatementFilters(), ZONE, ["VND"], per_page=2, order=order)
    assert [e.amount for e in first.items] == [-30_000, -20_000]
    cursor = Cursor.parse(first.older, order=order)
    assert cursor is not None and cursor.value == -20_000
    rest = statement.statement_page(affiliate.id, StatementFilters(), ZONE, ["VND"], cursor, per_page=2, order=order)
    assert [e.id for e in rest.items] == [made[1].id, made[2].id]
    for junk in ("amount.asc~--5_1", "amount.asc~-_1", "amount.asc~-5x_1", "amount.asc~" + "-9" * 20 + "_1"):
        assert Cursor.parse(junk, order=order) is None, junk
