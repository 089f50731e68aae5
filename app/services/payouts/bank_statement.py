"""A bank's own statement export read as a results file: each money-out line naming a payout request.

Banks in Vietnam export statements (Vietcombank's "Sao kê tài khoản", and those of most other banks)
as a sheet with a few lines about the account first, then a header row and one row per movement.
Saved as CSV, or as the Excel workbook the bank gives (its first sheet, read by `workbook`), such a
file is read with this column mapping (names compared without accents or case;
a bilingual header like "Số tiền ghi nợ / Debit" matches either way):

    transaction date   "Ngày giao dịch", "Ngày GD", "Ngày hạch toán", "Transaction date", "Posting date", "Date"
    reference number   "Số tham chiếu", "Số bút toán", "Mã giao dịch", "Reference no.", "Transaction no."
    money out          "Số tiền ghi nợ", "Ghi nợ", "Debit", "Withdrawal"
    description        "Mô tả", "Nội dung", "Diễn giải", "Description", "Transactions in detail", "Details"

Every line with money out whose description names a request ("PR-12", or "PR 12" / "PR12" as some
banks rewrite it) becomes a "paid" row: the reference number is its transaction id, the date its
paid date, and the amount must equal the request's. Other lines (money in, fees, balances, totals)
are not ours and are skipped.
"""
import csv
import io
import re

from app.services.payouts.transfer_notes import plain

HEADER_SCAN = 40
# Looked for in this order, so a generic "date" cannot take the reference or the amount column.
COLUMNS = (
    ("reference", ("so tham chieu", "so but toan", "ma giao dich", "reference no", "reference number",
                   "transaction no")),
    ("debit", ("so tien ghi no", "ghi no", "debit", "withdrawal")),
    ("description", ("mo ta", "noi dung", "dien giai", "description", "transactions in detail", "details")),
    ("date", ("ngay giao dich", "ngay gd", "ngay hach toan", "transaction date", "posting date", "date")),
)
NEEDED = ("date", "debit", "description")
_REQUEST = re.compile(r"\bPR[\s-]?(\d{1,10})\b", re.IGNORECASE)


def _key(text: str) -> str:
    return plain(text or "").lower()


def _positions(cells: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = _key(cell)
        if not key:
            continue
        for column, names in COLUMNS:
            if column not in found and any(name in key for name in names):
                found[column] = index
                break
    return found


def _header(rows: list[tuple[int, list[str]]]) -> tuple[int, dict[str, int]] | None:
    """The index of the statement's header among the first rows, and its columns; None when there is none."""
    for index, (_line, cells) in enumerate(rows[:HEADER_SCAN]):
        positions = _positions(cells)
        if all(column in positions for column in NEEDED):
            return index, positions
    return None


def _csv_rows(text: str) -> list[tuple[int, list[str]]] | None:
    """The rows of the CSV `text` (with their line numbers) for the first delimiter that shows a statement header."""
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            rows = [(reader.line_num, row) for row in reader]
        except csv.Error:
            continue
        if _header(rows) is not None:
            return rows
    return None


def is_statement(text: str) -> bool:
    return _csv_rows(text) is not None


def read(text: str) -> list[dict] | None:
    """The lines of the CSV `text` that pay a request, as results rows; None when `text` is no statement."""
    rows = _csv_rows(text)
    return None if rows is None else read_rows(rows)


def read_rows(rows: list[tuple[int, list[str]]]) -> list[dict] | None:
    """The statement lines among `rows` (line number, cells as text) that pay a request; None without a header."""
    header = _header(rows)
    if header is None:
        return None
    header_index, positions = header

    def cell(cells, column):
        i = positions.get(column)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    found = []
    for line, cells in rows[header_index + 1:]:
        debit = cell(cells, "debit")
        request = _REQUEST.search(cell(cells, "description"))
        if not debit or not request or not any(ch.isdigit() and ch != "0" for ch in debit):
            continue
        found.append({"line": line, "reference": f"PR-{request.group(1)}", "status": "paid",
                      "transaction_id": cell(cells, "reference"), "paid_date": cell(cells, "date")[:10],
                      "amount": debit})
    return found
