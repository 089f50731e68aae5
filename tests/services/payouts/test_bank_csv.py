"""The bank files: the exported batch-transfer CSV, and previewing and applying the bank's results."""
import csv
import io
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.models.money import LedgerEntry, PayoutRequest
from app.services.ledger import balances
from app.services.payouts import bank_csv, bank_import, states
from app.services.payouts.bank_csv import parse_results
from app.services.payouts.bank_import import ImportTokenInvalid
from app.services.payouts.errors import ImportFileError
from app.services.payouts.results_file import IMPORT_MAX_BYTES
from tests import factories
from tests.payout_admin_helpers import ACCOUNT, audit_for, fresh, payout_in

TODAY = date(2030, 6, 15)


def read_export(requests):
    content, included, excluded = bank_csv.export_bank_file(requests)
    return content, list(csv.reader(io.StringIO(content.decode("utf-8-sig")))), included, excluded


def test_export_has_bom_header_and_one_row_per_approved_bank_transfer(app):
    vnd = payout_in("approved", amount=1_234_567, name="Trần Thị Bích")
    usd = payout_in("approved", amount=1250, currency="USD")
    momo = payout_in("approved", method="momo")
    content, rows, included, excluded = read_export([vnd, usd, momo])
    assert content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in content
    assert rows[0] == list(bank_csv.EXPORT_COLUMNS)
    assert rows[1] == [f"PR-{vnd.id}", "VCB", "Vietcombank", ACCOUNT, "Trần Thị Bích", "1234567", "VND",
                       f"PR-{vnd.id} affiliate payout"]
    assert rows[2][0] == f"PR-{usd.id}" and rows[2][5:7] == ["12.50", "USD"]
    assert len(rows) == 3
    assert included == [vnd, usd] and excluded == [momo]


@pytest.mark.parametrize("amount, currency, text", [
    (50_000, "VND", "50000"), (1, "USD", "0.01"), (100, "USD", "1.00"), (123_456_789, "USD", "1234567.89"),
    (7, "JPY", "7"), (10**12, "VND", "1000000000000"),
])
def test_amounts_are_exact_plain_numbers(amount, currency, text):
    assert bank_csv.amount_text(amount, currency) == text


def test_export_refuses_to_let_excel_run_a_cell(app):
    request = payout_in("approved")
    request.details = {**request.details, "bank_name": "=HYPERLINK(\"http://evil\")", "bank_code": "other"}
    _content, rows, _in, _out = read_export([request])
    assert rows[1][2].startswith("'=")


def test_approved_without_account_number_is_left_out(app):
    request = payout_in("approved")
    request.details = {**request.details, "bank_account": ""}
    _content, rows, included, excluded = read_export([request])
    assert len(rows) == 1 and excluded == [request] and not included


def results_file(*rows, header="reference,transaction_id,status,paid_date,reason", bom=False, sep=","):
    text = "\r\n".join([header.replace(",", sep), *[sep.join(r) for r in rows]]) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def test_preview_reports_each_rows_errors_and_writes_nothing(app):
    approved = payout_in("approved")
    other = payout_in("approved")
    waiting = payout_in("requested")
    dup = payout_in("approved")
    data = results_file(
        (f"PR-{approved.id}", "FT123", "paid", "2030-06-14", ""),
        (f"pr-{other.id}", "", "failed", "", "Account closed"),
        ("PR-999999", "FT9", "paid", "", ""),
        (f"PR-{waiting.id}", "FT5", "paid", "", ""),
        (f"PR-{dup.id}", "FT6", "paid", "", ""),
        (f"PR-{dup.id}", "FT7", "paid", "", ""),
        (f"PR-{approved.id}x", "FT8", "done", "16/06/2030", ""),
        (f"PR-{other.id}0", "", "paid", "31/02/2030", ""),
    )
    before = db.session.scalar(db.select(db.func.count()).select_from(LedgerEntry))
    preview = parse_results(data, TODAY)
    rows = preview.rows
    assert [r.line for r in rows] == [2, 3, 4, 5, 6, 7, 8, 9]
    assert rows[0].ok and rows[0].paid_on == date(2030, 6, 14)
    assert rows[1].ok and rows[1].request_id == other.id
    assert "Unknown reference" in str(rows[2].errors[0])
    assert "not approved" in str(rows[3].errors[0])
    assert all("more than once" in str(r.errors[0]) for r in rows[4:6])
    messages = " ".join(str(e) for e in rows[6].errors)
    assert "Unknown reference" in messages and "paid\" or \"failed" in messages
    messages = " ".join(str(e) for e in rows[7].errors)
    assert "transaction id" in messages and "paid date must look like" in messages
    assert [r.line for r in preview.valid] == [2, 3]
    assert db.session.scalar(db.select(db.func.count()).select_from(LedgerEntry)) == before
    assert fresh(approved.id).status == "approved"


def test_future_paid_date_is_an_error(app):
    request = payout_in("approved")
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    preview = parse_results(results_file((f"PR-{request.id}", "FT1", "paid", tomorrow, "")), TODAY)
    assert "future" in str(preview.rows[0].errors[0])


def test_paid_date_before_the_request_is_an_error(app):
    request = payout_in("approved")
    earlier = (request.requested_at - timedelta(days=2)).date().isoformat()
    preview = parse_results(results_file((f"PR-{request.id}", "FT1", "paid", earlier, "")), TODAY)
    assert "before the request was made" in str(preview.rows[0].errors[0])
    preview = parse_results(results_file((f"PR-{request.id}", "FT1", "paid", "01/01/0001", "")), TODAY)
    assert "must look like" in str(preview.rows[0].errors[0])


def test_semicolons_bom_and_header_spelling_are_understood(app):
    request = payout_in("approved")
    data = results_file((f"PR-{request.id}", "FT1", "PAID"), header="Reference;Transaction ID;Status", sep=";",
                        bom=True)
    preview = parse_results(data, TODAY)
    assert preview.rows[0].ok and preview.rows[0].status == "paid" and preview.rows[0].transaction_id == "FT1"


def test_tabs_and_quoted_fields_with_separators_inside(app):
    request = payout_in("approved")
    data = ('reference\ttransaction_id\tstatus\treason\r\n'
            f'PR-{request.id}\t\tfailed\t"Closed; wrong, name"\r\n').encode()
    preview = parse_results(data, TODAY)
    assert preview.rows[0].ok and preview.rows[0].reason == "Closed; wrong, name"
    data = (f'reference,transaction_id,status,reason\r\nPR-{request.id},,failed,"Line one\r\nline two; x"\r\n'
            f"PR-424242,FT,paid,\r\n").encode()
    preview = parse_results(data, TODAY)
    assert preview.rows[0].ok and "line two; x" in preview.rows[0].reason
    assert preview.rows[1].line == 4  # physical line, after the quoted line break


@pytest.mark.parametrize("data, fragment", [
    (b"", "empty"),
    ("reference,transaction_id,status\r\n".encode("utf-16"), "not UTF-8"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"reference,status\r\nPR-1,paid\r\n", "missing: transaction_id"),
    (b"reference,transaction_id,status\r\n", "no rows"),
    (b"x" * (IMPORT_MAX_BYTES + 1), "1 MB"),
])
def test_unreadable_files_are_refused_whole(app, data, fragment):
    with pytest.raises(ImportFileError) as caught:
        parse_results(data, TODAY)
    assert fragment in caught.value.message


def stage(data, admin):
    return bank_import.stage(data, admin.id)


def test_apply_pays_and_fails_only_the_valid_rows_each_on_its_own(app, outbox):
    admin = factories.make_user("admin")
    to_pay = payout_in("approved")
    to_fail = payout_in("processing")
    waiting = payout_in("requested")
    data = results_file((f"PR-{to_pay.id}", "FT-777", "paid", "14/06/2030", ""),
                        (f"PR-{to_fail.id}", "", "failed", "", ""),
                        (f"PR-{waiting.id}", "FT-1", "paid", "", ""))
    token = stage(data, admin)
    preview, results = bank_import.apply(token, admin.id, "203.0.113.5", TODAY)
    assert [r.applied for r in results] == [True, True]
    assert len(preview.invalid) == 1
    paid = fresh(to_pay.id)
    assert (paid.status, paid.transaction_id, paid.paid_on, paid.paid_by_id) == ("paid", "FT-777", date(2030, 6, 14),
                                                                                 admin.id)
    failed = fresh(to_fail.id)
    assert failed.status == "failed" and failed.failed_reason == str(bank_import.DEFAULT_FAILED_REASON)
    assert balances.available(failed.affiliate_id, "VND") == 1_000_000
    assert fresh(waiting.id).status == "requested"
    assert audit_for(to_pay.id)[-1].ip == "203.0.113.5"


def test_a_row_changed_since_the_preview_is_checked_again(app):
    admin = factories.make_user("admin")
    request = payout_in("approved")
    token = stage(results_file((f"PR-{request.id}", "FT-1", "paid", "", "")), admin)
    states.mark_failed(request.id, admin.id, "Wrong account")
    preview, results = bank_import.apply(token, admin.id, None, TODAY)
    assert results == [] and "not approved" in str(preview.rows[0].errors[0])
    assert fresh(request.id).status == "failed"


def test_a_preview_applies_once(app):
    admin = factories.make_user("admin")
    request = payout_in("approved")
    token = stage(results_file((f"PR-{request.id}", "FT-1", "paid", "", "")), admin)
    bank_import.apply(token, admin.id, None, TODAY)
    with pytest.raises(ImportTokenInvalid):
        bank_import.apply(token, admin.id, None, TODAY)


def test_tampered_or_foreign_tokens_are_refused(app):
    admin, other_admin = factories.make_user("admin"), factories.make_user("admin")
    request = payout_in("approved")
    token = stage(results_file((f"PR-{request.id}", "FT-1", "paid", "", "")), admin)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "", "nonsense", token + "x"):
        with pytest.raises(ImportTokenInvalid):
            bank_import.apply(bad, admin.id, None, TODAY)
    with pytest.raises(ImportTokenInvalid):
        bank_import.apply(token, other_admin.id, None, TODAY)
    assert fresh(request.id).status == "approved"


def test_a_staged_file_changed_on_disk_is_refused(app):
    admin = factories.make_user("admin")
    request = payout_in("approved")
    token = stage(results_file((f"PR-{request.id}", "FT-1", "paid", "", "")), admin)
    path, _digest = bank_import._path_of(token, admin.id)
    path.write_bytes(results_file((f"PR-{request.id}", "FT-EVIL", "paid", "", "")))
    with pytest.raises(ImportTokenInvalid):
        bank_import.load(token, admin.id)
    assert db.session.get(PayoutRequest, request.id).status == "approved"


@pytest.mark.parametrize("data", [
    b"reference,status" + b"y" * 200_000 + b"\nPR-1,paid\n",  # in the header
    b"reference,status,transaction_id,paid_date\nPR-1,paid,\"" + b"q" * 200_000 + b"\"\n",  # in a row
    b"\"" + b"z" * 200_000,  # an unclosed quote running to the end
], ids=["header", "row", "unclosed"])
def test_a_field_beyond_the_readers_limit_is_a_clear_error(app, data):
    with pytest.raises(ImportFileError) as refused:
        parse_results(data, date(2025, 6, 1))
    assert "not a valid CSV file (line" in refused.value.message


def test_the_transfer_note_is_in_the_affiliates_language_and_names_the_request(app):
    vi = payout_in("approved", locale="vi")
    en = payout_in("approved", locale="en")
    _, rows, _, _ = read_export([vi, en])
    assert rows[1][7] == f"PR-{vi.id} chi tra hoa hong"
    assert rows[2][7] == f"PR-{en.id} affiliate payout"
