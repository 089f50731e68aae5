"""Excel workbooks (.xlsx) made in the tests: the bank's statement as internet banking exports it."""
import io
from datetime import date, datetime, time

import openpyxl


def workbook(rows: list[list], title: str = "Sao ke") -> bytes:
    """A workbook whose first sheet holds `rows` from A1 (None leaves a cell empty, [] a row)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def vcb_workbook(lines: list[list], day: date) -> bytes:
    """A statement laid out like Vietcombank's export: title rows, a bilingual header on row 6, a total."""
    head = [
        ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM"],
        ["SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT"],
        ["Số tài khoản / Account number:", "0071000123456"],
        ["Từ ngày / From:", datetime.combine(day, time()), "Đến ngày / To:", day.strftime("%d/%m/%Y")],
        [],
        ["STT / No.", "Ngày giao dịch / Transaction Date", "Số tham chiếu / Reference No.", "Số tiền ghi nợ / Debit",
         "Số tiền ghi có / Credit", "Mô tả / Description"],
    ]
    return workbook(head + lines + [["Tổng cộng / Total", None, None, 9_999_999, 2_000_000, None]])
