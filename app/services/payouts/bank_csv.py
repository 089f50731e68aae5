"""The bank's batch-transfer file (export) and the bank's results file (import preview).

Export: one row per approved bank-transfer request, UTF-8 with a BOM so Excel shows Vietnamese
names, amounts as plain numbers in major units ("500000" VND, "12.50" USD) with the currency beside
them, and a transfer note naming the request in the affiliate's language. Approved requests paid
by other methods (Momo, PayPal...) or without an account number are left out of the file and
listed on the page instead: a bank cannot pay them.

Import: a CSV or an Excel workbook with columns reference, transaction_id, status (paid|failed) and
optionally paid_date and reason, or the bank's own statement export (see `results_file` for reading
the file, `bank_statement` for a statement's column mapping). Parsing only reads; every row gets the
errors that stop it from being applied.
"""
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.ids import is_id
from app.labels import label
from app.models.money import PayoutRequest
from app.money import MoneyInputError, format_money, from_minor, parse_money
from app.services.payouts import results_file
from app.services.payouts.results_file import ImportRow
from app.services.payouts.transfer_notes import note_for

EXPORT_COLUMNS = ("reference", "bank_code", "bank_name", "account_number", "account_holder", "amount",
                  "currency", "description")
TRANSACTION_ID_MAX = 120
REASON_MAX = 1000
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


@dataclass
class ImportPreview:
    rows: list[ImportRow]

    @property
    def valid(self) -> list[ImportRow]:
        return [r for r in self.rows if r.ok]

    @property
    def invalid(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.ok]


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


def parse_results(data: bytes, today: date, tz: str = "UTC", kind: str = "csv") -> ImportPreview:
    """Read a results file of `kind` ("csv" or "xlsx") and check every row against the requests as they
    are now (nothing is written).

    `today` is the reader's calendar day in zone `tz`: a paid date after it, or before the day the
    request was made, is refused.
    """
    rows = results_file.read(data, kind)
    for row in rows:
        row.request_id = request_id_of(row.reference)
    ids = [r.request_id for r in rows if r.request_id is not None]
    seen = Counter(ids)
    found = {r.id: r for r in db.session.scalars(select(PayoutRequest).where(PayoutRequest.id.in_(ids)))} if ids else {}
    for row in rows:
        row.request = found.get(row.request_id)
        _check(row, seen, today, tz)
    return ImportPreview(rows)
