"""The bank's batch-transfer file (export) and the bank's results file (import preview).

Export: one row per approved bank-transfer request, UTF-8 with a BOM so Excel shows Vietnamese
names, amounts as plain numbers in major units ("500000" VND, "12.50" USD) with the currency beside
them, and a transfer note naming the request in the affiliate's language. Approved requests paid
by other methods (Momo, PayPal...) or without an account number are left out of the file and
listed on the page instead: a bank cannot pay them.

Import: a CSV with columns reference, transaction_id, status (paid|failed) and optionally paid_date
and reason, or the bank's own statement export (see `bank_statement` for its column mapping).
Parsing only reads; every row gets the errors that stop it from being applied.
"""
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.ids import is_id
from app.labels import label
from app.models.money import PayoutRequest
from app.money import MoneyInputError, format_money, from_minor, parse_money
from app.services.common.errors import ServiceError
from app.services.payouts import bank_statement
from app.services.payouts.transfer_notes import note_for

EXPORT_COLUMNS = ("reference", "bank_code", "bank_name", "account_number", "account_holder", "amount",
                  "currency", "description")
IMPORT_MAX_BYTES = 1024 * 1024
IMPORT_REQUIRED = ("reference", "transaction_id", "status")
IMPORT_OPTIONAL = ("paid_date", "reason")
TRANSACTION_ID_MAX = 120
REASON_MAX = 1000
IMPORT_MAX_ROWS = 5000
PAYABLE_STATUSES = ("approved", "processing")
_REFERENCE = re.compile(r"^PR-?(\d{1,10})$", re.IGNORECASE)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def reference(request_id: int) -> str:
    return f"PR-{request_id}"


def request_id_of(text: str | None) -> int | None:
    found = _REFERENCE.match((text or "").strip())
    return int(found.group(1)) if found and is_id(int(found.group(1))) else None


def _cell(value) -> str:
    """A text cell Excel will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def amount_text(amount: int, currency: str) -> str:
    """Minor units as a plain major-unit number: no thousands separator, a dot before decimals."""
    return f"{from_minor(amount, currency):f}"


def is_exportable(request: PayoutRequest) -> bool:
    details = request.details or {}
    return request.method == "bank_transfer" and bool(details.get("bank_account"))


def export_bank_file(requests: list[PayoutRequest]) -> tuple[bytes, list[PayoutRequest], list[PayoutRequest]]:
    """(file content, requests in the file, approved requests left out) for `requests`."""
    included = [r for r in requests if is_exportable(r)]
    excluded = [r for r in requests if not is_exportable(r)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for r in included:
        d = r.details or {}
        ref = reference(r.id)
        writer.writerow([ref, _cell(d.get("bank_code")), _cell(d.get("bank_name")), d.get("bank_account"),
                         _cell(d.get("account_holder")), amount_text(r.amount, r.currency), r.currency,
                         note_for(r, ref)])
    return out.getvalue().encode("utf-8-sig"), included, excluded


class ImportFileError(ServiceError):
    """The results file cannot be read."""
    field = "file"


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


@dataclass
class ImportPreview:
    rows: list[ImportRow]

    @property
    def valid(self) -> list[ImportRow]:
        return [r for r in self.rows if r.ok]

    @property
    def invalid(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.ok]


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
        except csv.Error:  # a value beyond the reader's field limit: _records says which line
            continue
        if all(c in names for c in IMPORT_REQUIRED):
            return type("ResultsDialect", (csv.excel,), {"delimiter": delimiter})
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _header_name(name: str | None) -> str:
    return re.sub(r"[\s-]+", "_", (name or "").strip().lower())


def parse_date(text: str) -> date | None:
    """2024-05-31 or 31/05/2024 (day first, as written in Vietnam); None when it is neither.

    Years outside 2000-2100 are typing mistakes and count as neither.
    """
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return day if 2000 <= day.year <= 2100 else None
    return None


def _records(text: str) -> list[ImportRow]:
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    try:
        header = [_header_name(h) for h in next(reader)]
    except StopIteration as exc:
        raise ImportFileError(_l("The file is not a CSV file.")) from exc
    except csv.Error as exc:  # e.g. a value longer than the reader's field limit (128 KiB)
        raise ImportFileError(_l("The file is not a valid CSV file (line %(line)d).", line=reader.line_num)) from exc
    missing = [c for c in IMPORT_REQUIRED if c not in header]
    if missing:
        return _statement_records(text, missing)
    position = {name: header.index(name) for name in IMPORT_REQUIRED + IMPORT_OPTIONAL if name in header}
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue

            def get(name, values=values):
                i = position.get(name)
                return values[i].strip() if i is not None and i < len(values) else ""

            if len(rows) >= IMPORT_MAX_ROWS:
                raise ImportFileError(_l("The file has more than %(max)d rows; split it.", max=IMPORT_MAX_ROWS))
            rows.append(ImportRow(line=reader.line_num, reference=get("reference"), status=get("status").lower(),
                                  transaction_id=get("transaction_id"), paid_date_text=get("paid_date"),
                                  reason=get("reason")))
    except csv.Error as exc:
        raise ImportFileError(_l("The file is not a valid CSV file (line %(line)d).", line=reader.line_num)) from exc
    if not rows:
        raise ImportFileError(_l("The file has no rows under its header."))
    return rows


def _statement_records(text: str, missing: list[str]) -> list[ImportRow]:
    """The rows of a bank's statement export, when the file is one rather than our results format."""
    lines = bank_statement.read(text)
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


def _check_amount(row: ImportRow) -> None:
    request = row.request
    try:
        shown = parse_money(row.statement_amount, request.currency)
    except MoneyInputError:
        row.errors.append(_l("The statement's amount \"%(amount)s\" is not a number.", amount=row.statement_amount))
        return
    if shown != request.amount:
        row.errors.append(_l("The statement shows %(shown)s but the request is for %(amount)s.",
                             shown=format_money(shown, request.currency),
                             amount=format_money(request.amount, request.currency)))


def requested_on(request: PayoutRequest, tz: str) -> date:
    """The calendar day, in zone `tz`, the request was made (stored as naive UTC)."""
    return request.requested_at.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).date()


def _check(row: ImportRow, seen: dict[int, int], today: date, tz: str) -> None:
    request = row.request
    if row.request_id is None:
        row.errors.append(_l("Unknown reference \"%(ref)s\".", ref=row.reference))
    elif seen[row.request_id] > 1:
        row.errors.append(_l("This reference appears more than once in the file."))
    elif request is None:
        row.errors.append(_l("Unknown reference \"%(ref)s\".", ref=row.reference))
    elif request.status not in PAYABLE_STATUSES:
        row.errors.append(_l("The request is not approved (it is %(status)s).", status=label(request.status).lower()))
    if request is not None and row.statement_amount is not None:
        _check_amount(row)
    if row.status not in ("paid", "failed"):
        row.errors.append(_l("The status must be \"paid\" or \"failed\"."))
    if row.status == "paid" and not row.transaction_id:
        row.errors.append(_l("A paid row needs its transaction id."))
    if len(row.transaction_id) > TRANSACTION_ID_MAX:
        row.errors.append(_l("The transaction id is longer than %(max)d characters.", max=TRANSACTION_ID_MAX))
    if len(row.reason) > REASON_MAX:
        row.errors.append(_l("The reason is longer than %(max)d characters.", max=REASON_MAX))
    if row.paid_date_text:
        row.paid_on = parse_date(row.paid_date_text)
        if row.paid_on is None:
            row.errors.append(_l("The paid date must look like 2024-05-31 or 31/05/2024."))
        elif row.paid_on > today:
            row.errors.append(_l("The paid date is in the future."))
        elif request is not None and row.paid_on < requested_on(request, tz):
            row.errors.append(_l("The paid date is before the request was made."))


def parse_results(data: bytes, today: date, tz: str = "UTC") -> ImportPreview:
    """Read a results file and check every row against the requests as they are now (nothing is written).

    `today` is the reader's calendar day in zone `tz`: a paid date after it, or before the day the
    request was made, is refused.
    """
    rows = _records(_decode(data))
    for row in rows:
        row.request_id = request_id_of(row.reference)
    ids = [r.request_id for r in rows if r.request_id is not None]
    seen = Counter(ids)
    found = {r.id: r for r in db.session.scalars(select(PayoutRequest).where(PayoutRequest.id.in_(ids)))} if ids else {}
    for row in rows:
        row.request = found.get(row.request_id)
        _check(row, seen, today, tz)
    return ImportPreview(rows)
