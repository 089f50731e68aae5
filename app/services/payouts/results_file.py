"""Reading the bank's results file into rows: a CSV, or an Excel workbook (.xlsx) of the same columns.

The file is either our results format (a first row naming reference, transaction_id, status and
optionally paid_date and reason) or the bank's own statement export (see `bank_statement`). A
workbook's first sheet is turned into rows of text (see `workbook`) and then read by the very code
that reads a CSV, so both kinds of file behave alike and are refused with the same words.
"""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from app.models.money import PayoutRequest
from app.services.payouts import bank_statement, workbook
from app.services.payouts.errors import ImportFileError

IMPORT_MAX_BYTES = 1024 * 1024
IMPORT_REQUIRED = ("reference", "transaction_id", "status")
IMPORT_OPTIONAL = ("paid_date", "reason")
IMPORT_MAX_ROWS = 5000
KINDS = ("csv", "xlsx")


@dataclass
class ImportRow:
    line: int
    reference: str
    status: str
    transaction_id: str
    paid_date_text: str
    reason: str
    request_id: int | None = None
    # The amount a bank statement shows for the line, as written there; checked against the request.
    statement_amount: str | None = None
    paid_on: date | None = None
    request: PayoutRequest | None = None
    errors: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def kind_of(filename: str | None, data: bytes) -> str:
    """"xlsx" for a file named .xlsx or shaped like a workbook (a zip archive), else "csv"."""
    if (filename or "").lower().endswith(".xlsx") or workbook.looks_like_workbook(data):
        return "xlsx"
    return "csv"


def _decode(data: bytes) -> str:
    if len(data) > IMPORT_MAX_BYTES:
        raise ImportFileError(_l("The file is larger than 1 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_l("The file is not UTF-8 text. Save it from your spreadsheet as "
                                 "\"CSV UTF-8\".")) from exc
    if "\x00" in text:
        raise ImportFileError(_l("The file is not a CSV file."))
    if not text.strip():
        raise ImportFileError(_l("The file is empty."))
    return text


def _dialect(text: str):
    """The delimiter that makes the first line name the required columns, else the sniffer's guess."""
    first = text.lstrip("\r\n").splitlines()[0] if text.strip() else ""
    for delimiter in (",", ";", "\t"):
        try:
            names = {_header_name(h) for h in next(csv.reader([first], delimiter=delimiter), [])}
        except csv.Error:  # a value beyond the reader's field limit: _csv_records says which line
            continue
        if all(c in names for c in IMPORT_REQUIRED):
            return type("ResultsDialect", (csv.excel,), {"delimiter": delimiter})
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _header_name(name: str | None) -> str:
    return re.sub(r"[\s-]+", "_", (name or "").strip().lower())


def _results_records(header: list[str], lines) -> list[ImportRow]:
    """Our results format: `header` names the columns, `lines` yields (line number, cells) under it."""
    position = {name: header.index(name) for name in IMPORT_REQUIRED + IMPORT_OPTIONAL if name in header}
    rows = []
    for line, values in lines:
        if not any(v.strip() for v in values):
            continue

        def get(name, values=values):
            i = position.get(name)
            return values[i].strip() if i is not None and i < len(values) else ""

        if len(rows) >= IMPORT_MAX_ROWS:
            raise ImportFileError(_l("The file has more than %(max)d rows; split it.", max=IMPORT_MAX_ROWS))
        rows.append(ImportRow(line=line, reference=get("reference"), status=get("status").lower(),
                              transaction_id=get("transaction_id"), paid_date_text=get("paid_date"),
                              reason=get("reason")))
    if not rows:
        raise ImportFileError(_l("The file has no rows under its header."))
    return rows


def _statement_records(lines: list[dict] | None, missing: list[str]) -> list[ImportRow]:
    """The rows of a bank's statement export (`lines` as `bank_statement` read them; None: no statement)."""
    if lines is None:
        raise ImportFileError(_l("The first row must name the columns; missing: %(columns)s. A bank statement "
                                 "needs at least a date, a debit and a description column.",
                                 columns=", ".join(missing)))
    if not lines:
        raise ImportFileError(_l("The statement has no money-out line naming a payout request (like PR-12)."))
    if len(lines) > IMPORT_MAX_ROWS:
        raise ImportFileError(_l("The file has more than %(max)d rows; split it.", max=IMPORT_MAX_ROWS))
    return [ImportRow(line=found["line"], reference=found["reference"], status=found["status"],
                      transaction_id=found["transaction_id"], paid_date_text=found["paid_date"], reason="",
                      statement_amount=found["amount"]) for found in lines]


def _csv_records(text: str) -> list[ImportRow]:
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))

    def lines():
        try:
            for values in reader:
                yield reader.line_num, values
        except csv.Error as exc:
            raise ImportFileError(_l("The file is not a valid CSV file (line %(line)d).",
                                     line=reader.line_num)) from exc

    rows = lines()
    try:
        _line, first = next(rows)
    except StopIteration as exc:
        raise ImportFileError(_l("The file is not a CSV file.")) from exc
    header = [_header_name(h) for h in first]
    missing = [c for c in IMPORT_REQUIRED if c not in header]
    if missing:
        return _statement_records(bank_statement.read(text), missing)
    return _results_records(header, rows)


def _sheet_records(data: bytes) -> list[ImportRow]:
    if len(data) > IMPORT_MAX_BYTES:
        raise ImportFileError(_l("The file is larger than 1 MB."))
    rows = workbook.first_sheet_rows(data)
    if not any(any(cell.strip() for cell in cells) for _line, cells in rows):
        raise ImportFileError(_l("The file is empty."))
    header = [_header_name(h) for h in rows[0][1]]
    missing = [c for c in IMPORT_REQUIRED if c not in header]
    if missing:
        return _statement_records(bank_statement.read_rows(rows), missing)
    return _results_records(header, iter(rows[1:]))


def read(data: bytes, kind: str = "csv") -> list[ImportRow]:
    """The rows of a results file of `kind` ("csv" or "xlsx"), unchecked; ImportFileError when unreadable."""
    if workbook.is_legacy_excel(data):
        raise ImportFileError(_l("This is an old Excel file (.xls) or a password-protected workbook. Open it in "
                                 "your spreadsheet and save it as Excel Workbook (.xlsx) or as \"CSV UTF-8\"."))
    if kind == "xlsx":
        return _sheet_records(data)
    return _csv_records(_decode(data))
