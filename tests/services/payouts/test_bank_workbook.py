"""The bank's results as an Excel workbook (.xlsx): a statement from internet banking, or our own columns,
read like the CSV, and broken or hostile files refused with a clear error."""
import io
import zipfile
from datetime import datetime, time

import pytest

from app.services.payouts import bank_csv, bank_import, workbook
from app.services.payouts.errors import ImportFileError
from app.services.payouts.results_file import kind_of
from tests import factories
from tests.payout_admin_helpers import fresh, local_today, payout_in
from tests.workbook_helpers import vcb_workbook
from tests.workbook_helpers import workbook as make_workbook


def parse(data):
    return bank_csv.parse_results(data, local_today(), kind="xlsx")


def test_a_vietcombank_statement_workbook_pays_its_lines_naming_requests(app):
    today = local_today()
    by_number = payout_in("approved", amount=500_000)
    by_text = payout_in("approved", amount=1_500_000)
    by_float = payout_in("approved", amount=650_000)
    wrong_amount = payout_in("approved", amount=600_000)
    data = vcb_workbook([
        [1, datetime.combine(today, time(10, 31, 22)), "5213 - 40512", 500_000, None,
         f"PR-{by_number.id} chi tra hoa hong"],
        [2, today.strftime("%d/%m/%Y"), "5213 - 40513", "1.500.000", None, f"IBFT PR {by_text.id} chi tra hoa hong"],
        [3, today, "5213 - 40514", None, 2_000_000, "NHAN TIEN KHACH HANG"],
        [4, today, "5213 - 40515", "1.100", None, "PHI CHUYEN TIEN"],
        [5, f"{today:%d/%m/%Y} 15:02:11", 521340516, 650_000.0, None, f"PR{by_float.id} chi tra hoa hong"],
        [6, today, "5213 - 40517", "650.000", None, f"PR-{wrong_amount.id} chi tra hoa hong"],
    ], today)
    preview = parse(data)
    assert [row.line for row in preview.rows] == [7, 8, 11, 12]
    assert [row.request_id for row in preview.valid] == [by_number.id, by_text.id, by_float.id]
    assert all(row.status == "paid" and row.paid_on == today for row in preview.valid)
    assert [row.transaction_id for row in preview.valid] == ["5213 - 40512", "5213 - 40513", "521340516"]
    (bad,) = preview.invalid
    assert "shows ₫650,000 but the request is for ₫600,000" in " ".join(str(e) for e in bad.errors)

    admin = factories.make_user("admin")
    token = bank_import.stage(data, admin.id, "xlsx")
    _preview, results = bank_import.apply(token, admin.id, None, today)
    assert sum(r.applied for r in results) == 3
    assert fresh(by_text.id).status == "paid" and fresh(by_text.id).transaction_id == "5213 - 40513"
    assert fresh(wrong_amount.id).status == "approved"


def test_the_same_statement_as_csv_and_as_workbook_gives_the_same_preview(app):
    today = local_today()
    request = payout_in("approved", amount=250_000)
    other = payout_in("requested", amount=300_000)
    lines = [["Transaction date", "Reference no.", "Debit", "Credit", "Transactions in detail"],
             [today.isoformat(), "FT2633", "250.000", "", f"PR {request.id} affiliate payout"],
             [today.isoformat(), "FT2634", "300.000", "", f"PR-{other.id} affiliate payout"]]
    csv_preview = bank_csv.parse_results("\n".join(",".join(line) for line in lines).encode(), today)
    sheet_preview = parse(make_workbook(lines))

    def shown(preview):
        return [(r.line, r.reference, r.transaction_id, r.paid_on, [str(e) for e in r.errors]) for r in preview.rows]

    assert shown(csv_preview) == shown(sheet_preview)
    assert [r.ok for r in sheet_preview.rows] == [True, False]


def test_our_own_columns_in_a_workbook_read_as_the_csv_does(app):
    paid = payout_in("approved")
    failed = payout_in("processing")
    today = local_today()
    data = make_workbook([["reference", "transaction_id", "status", "paid_date", "reason"],
                          [f"PR-{paid.id}", "FT-9", "paid", datetime.combine(today, time()), None],
                          [],
                          [f"PR-{failed.id}", None, "FAILED", None, "Sai số tài khoản"]])
    preview = parse(data)
    assert [(r.line, r.status, r.ok) for r in preview.rows] == [(2, "paid", True), (4, "failed", True)]
    assert preview.rows[0].paid_on == today and preview.rows[1].reason == "Sai số tài khoản"


@pytest.mark.parametrize("value, text", [
    (None, ""), (1_500_000, "1500000"), (1_500_000.0, "1500000"), (12.5, "12.5"), (0.1, "0.1"),
    (1.5e15, "1500000000000000"), ("  1.500.000 ", "1.500.000"), (datetime(2026, 5, 31, 10, 1), "2026-05-31"),
    (True, "TRUE"),
])
def test_cells_read_as_a_csv_export_of_the_sheet_would_hold_them(value, text):
    assert workbook.cell_text(value) == text


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("data, fragment", [
    (b"reference,transaction_id,status\nPR-1,FT,paid\n", "not a valid Excel workbook"),  # a CSV renamed .xlsx
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a valid Excel workbook"),
    (b"PK\x03\x04" + b"\x00" * 200, "not a valid Excel workbook"),  # the start of a zip and nothing else
    (zip_of({"hello.txt": b"hello"}), "not a valid Excel workbook"),  # a zip, but no workbook in it
    (zip_of({"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"<?xml"}), "not a valid Excel workbook"),
    (zip_of({"xl/worksheets/sheet1.xml": b"\x00" * (workbook.UNPACKED_MAX_BYTES + 1)}), "unpacks to more than 20 MB"),
    (zip_of({f"part{n}.xml": b"" for n in range(workbook.PARTS_MAX + 1)}), "unpacks to more than 20 MB"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "old Excel file (.xls)"),
    (b"PK\x03\x04" + b"\x00" * (1024 * 1024), "larger than 1 MB"),
    (make_workbook([]), "empty"),
], ids=["csv", "png", "zip-start", "no-workbook", "broken-xml", "zip-bomb", "many-parts", "xls", "large",
        "empty"])
def test_broken_or_hostile_workbooks_are_refused_whole(app, data, fragment):
    with pytest.raises(ImportFileError) as refused:
        parse(data)
    assert fragment in refused.value.message and refused.value.field == "file"


def test_a_cut_short_workbook_is_refused(app):
    data = vcb_workbook([[1, local_today(), "FT1", 500_000, None, "PR-1"]], local_today())
    with pytest.raises(ImportFileError) as refused:
        parse(data[: len(data) // 2])
    assert "not a valid Excel workbook" in refused.value.message


def test_a_sheet_longer_than_the_limit_is_refused_without_reading_on(app):
    book = make_workbook([["Transaction date", "Debit", "Description"]])
    import openpyxl  # the sheet is grown by one far cell, which read-only mode pads with empty rows

    loaded = openpyxl.load_workbook(io.BytesIO(book))
    loaded.active.cell(row=workbook.SHEET_MAX_ROWS + 1, column=1, value="x")
    out = io.BytesIO()
    loaded.save(out)
    with pytest.raises(ImportFileError) as refused:
        parse(out.getvalue())
    assert f"more than {workbook.SHEET_MAX_ROWS} rows" in refused.value.message


@pytest.mark.parametrize("name, data, kind", [
    ("sao-ke.xlsx", b"anything", "xlsx"), ("SAO-KE.XLSX", b"", "xlsx"), ("statement", b"PK\x03\x04rest", "xlsx"),
    ("results.csv", b"reference,transaction_id,status\n", "csv"), (None, b"a,b\n", "csv"),
])
def test_the_kind_of_file_comes_from_its_name_or_its_first_bytes(name, data, kind):
    assert kind_of(name, data) == kind
