"""The first sheet of an Excel workbook (.xlsx), as rows of text, read without trusting the file.

Banks' internet banking (Vietcombank's VCB Digibank, Techcombank, BIDV...) exports statements as
.xlsx. A workbook is a zip archive of XML parts, so before openpyxl reads it the archive's own
directory is checked: a file that unpacks to far more than it weighs (a "zip bomb") or holds too many
parts is refused unread. Python's zip reader never inflates a part past the size the directory
declares, so that check bounds the work. Only the first sheet is read, in read-only mode, cell
values as last calculated by Excel (no formulas), at most SHEET_MAX_ROWS rows of SHEET_MAX_COLUMNS
columns. openpyxl parses the XML through defusedxml (installed beside it), which refuses entity
tricks such as the "billion laughs".

Cells become the text a CSV export of the same sheet would hold, so the same reader takes both:
numbers as plain digits ("1500000", "12.5"), dates as 2024-05-31, text as it is ("1.500.000",
"31/05/2024").
"""
import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import openpyxl
from flask_babel import lazy_gettext as _l
from loguru import logger

from app.services.payouts.errors import ImportFileError

UNPACKED_MAX_BYTES = 20 * 1024 * 1024
PARTS_MAX = 1000
SHEET_MAX_ROWS = 20_000
SHEET_MAX_COLUMNS = 50
_ZIP_MAGIC = b"PK\x03\x04"
# Old Excel files (.xls) and password-protected workbooks are OLE2 compound files.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
NOT_A_WORKBOOK = _l("The file is not a valid Excel workbook (.xlsx). Save it again from your spreadsheet as "
                    "Excel Workbook (.xlsx) or as \"CSV UTF-8\".")


def looks_like_workbook(data: bytes) -> bool:
    return data.startswith(_ZIP_MAGIC)


def is_legacy_excel(data: bytes) -> bool:
    return data.startswith(_OLE2_MAGIC)


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise ImportFileError(NOT_A_WORKBOOK) from exc
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > PARTS_MAX or unpacked > UNPACKED_MAX_BYTES:
        logger.warning("workbook refused: {} parts unpacking to {} bytes from {} bytes", len(parts), unpacked,
                       len(data))
        raise ImportFileError(_l("The workbook unpacks to more than %(size)d MB; it cannot be a bank "
                                 "statement. Export a shorter period.", size=UNPACKED_MAX_BYTES // (1024 * 1024)))


def cell_text(value) -> str:
    """A cell's value as the text a CSV export would hold (numbers plain, dates as 2024-05-31)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        # Excel keeps every number as a binary double; its shortest decimal spelling is the number the
        # sheet shows, taken as text here so that no money is ever carried as a float.
        number = Decimal(repr(value))
        return str(int(number)) if number.is_finite() and number == number.to_integral_value() else f"{number:f}"
    return str(value).strip()


def first_sheet_rows(data: bytes) -> list[tuple[int, list[str]]]:
    """The rows of the workbook's first sheet as (row number, cells as text); ImportFileError when unreadable."""
    if not looks_like_workbook(data):
        raise ImportFileError(NOT_A_WORKBOOK)
    _check_archive(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a broken archive or XML fails in many ways; each is a bad upload
        logger.info("workbook refused by the reader: {!r}", exc)
        raise ImportFileError(NOT_A_WORKBOOK) from exc
    try:
        if not book.worksheets:
            raise ImportFileError(NOT_A_WORKBOOK)
        sheet = book.worksheets[0]
        # The size a sheet declares may be wrong; read what is there, up to the limits.
        sheet.reset_dimensions()
        rows = []
        for number, values in enumerate(sheet.iter_rows(max_col=SHEET_MAX_COLUMNS, values_only=True), start=1):
            if number > SHEET_MAX_ROWS:
                raise ImportFileError(_l("The file has more than %(max)d rows; split it.", max=SHEET_MAX_ROWS))
            rows.append((number, [cell_text(value) for value in values]))
        return rows
    except ImportFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - as above: a sheet broken halfway is a bad upload, not a crash
        logger.info("workbook sheet refused by the reader: {!r}", exc)
        raise ImportFileError(NOT_A_WORKBOOK) from exc
    finally:
        book.close()
