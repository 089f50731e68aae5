"""Ledger memos are stored as a code and its parameters and worded in the reader's language."""
from flask_babel import force_locale

from app import memos
from app.extensions import db
from app.models.money import LedgerEntry
from app.services.conversions import states as conversion_states
from app.services.ledger import entries
from app.services.payouts import requests, states
from tests import factories
from tests.payout_helpers import affiliate_with_details, earn


def _entry(**values):
    return LedgerEntry(affiliate_id=1, currency="VND", amount=1, kind="commission", idempotency_key="k", **values)


def _worded(entry, locale):
    with force_locale(locale):
        return memos.memo_text(entry)


def test_a_commission_stores_the_order_and_reads_in_each_language(app):
    affiliate = factories.make_user("affiliate")
    conversion = earn(affiliate, 50_000)
    entry = db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.conversion_id == conversion.id)).one()
    assert entry.memo is None
    assert (entry.memo_code, entry.memo_params) == ("order", {"order": conversion.order_id})
    assert _worded(entry, "vi") == f"Đơn hàng {conversion.order_id}"
    assert _worded(entry, "en") == f"Order {conversion.order_id}"


def test_a_reversal_and_a_payout_reserve_and_release_are_worded(app):
    affiliate = affiliate_with_details()
    conversion = earn(affiliate, 300_000)
    conversion_states.reverse(conversion.id, None, reason="Fraud")
    earn(affiliate, 400_000)
    request = requests.request_payout(affiliate.id, 200_000, "VND")
    states.cancel(request.id, affiliate.id)
    rows = {row.memo_code: row for row in db.session.scalars(db.select(LedgerEntry))}
    assert _worded(rows["order_reversed"], "vi") == f"Thu hồi hoa hồng đơn hàng {conversion.order_id}"
    assert _worded(rows["payout_reserved"], "vi") == f"Yêu cầu rút tiền #{request.id}"
    assert _worded(rows["payout_released"], "vi") == f"Yêu cầu rút tiền #{request.id}: Đã hủy"
    assert _worded(rows["payout_released"], "en") == f"Payout request #{request.id}: Cancelled"


def test_memos_written_before_the_codes_are_read_back(app):
    cases = {
        "Order HNB-10107": ("Đơn hàng HNB-10107", "Order HNB-10107"),
        "Reversal of order A-1": ("Thu hồi hoa hồng đơn hàng A-1", "Commission of order A-1 reversed"),
        "Refund of order A-2": ("Hoàn tiền đơn hàng A-2", "Refund of order A-2"),
        "Payout request 12": ("Yêu cầu rút tiền #12", "Payout request #12"),
        "Payout request 12 failed": ("Yêu cầu rút tiền #12: Thất bại", "Payout request #12: Failed"),
        "Payout request 12 taken back (tr_1)": ("Thu hồi khoản chuyển của yêu cầu rút tiền #12 (tr_1)",
                                               "Payout request #12 taken back (tr_1)"),
        "Write-off: moved abroad": ("Xoá nợ: moved abroad", "Written off: moved abroad"),
    }
    for memo, (vietnamese, english) in cases.items():
        assert _worded(_entry(memo=memo), "vi") == vietnamese
        assert _worded(_entry(memo=memo), "en") == english


def test_free_text_and_missing_memos_are_shown_as_they_are(app):
    assert _worded(_entry(memo="goodwill"), "vi") == "goodwill"
    assert _worded(_entry(), "vi") == ""
    stored = entries.append(factories.make_user("affiliate").id, "VND", 500, "adjustment", "memo:test:1",
                            memo="typed by hand")
    db.session.commit()
    assert _worded(stored, "vi") == "typed by hand"


def test_a_payout_email_to_a_vietnamese_reader_dates_the_payment_day_month_year(app, outbox):
    from app.models.common import utcnow

    today = utcnow().date()
    affiliate = affiliate_with_details()
    affiliate.locale = "vi"
    db.session.commit()
    earn(affiliate, 400_000)
    admin = factories.make_user("admin")
    request = requests.request_payout(affiliate.id, 200_000, "VND")
    states.approve(request.id, admin.id)
    states.confirm_paid(request.id, admin.id, method="bank_transfer", transaction_id="FT-9", paid_on=today)
    body = next(mail["body"] for mail in outbox if mail["to"] == affiliate.email and "FT-9" in mail["body"])
    assert today.strftime("%d/%m/%Y") in body and today.isoformat() not in body
    assert "Chúng tôi đã chuyển 200.000" in body.replace("\xa0", " ")
