"""VietQR: the NAPAS 247 QR code a Vietnamese banking app scans to fill in a transfer.

The payload is an EMVCo merchant-presented QR string: every field is an id (2 digits), a length
(2 digits) and a value; nested templates are fields whose value is itself a list of fields. It ends
with field 63, the CRC-16/CCITT-FALSE (polynomial 0x1021, start 0xFFFF) of everything before its
value, including "6304" itself, as four upper-case hex digits.

    00 02 "01"                      payload format
    01 02 "12"                      point of initiation: 12 = one payment (amount set), 11 = reusable
    38 ..                           merchant account information (NAPAS)
       00 10 "A000000727"           NAPAS's application id
       01 ..                        beneficiary: 00 = bank BIN (6 digits), 01 = account number
       02 08 "QRIBFTTA"             service: transfer to an account
    53 03 "704"                     currency (VND)
    54 ..                           amount, in dong
    58 02 "VN"                      country
    62 ..                           additional data: 08 = purpose of the transfer (the note)
    63 04 CRC
"""
import re

from app.services.common.errors import ServiceError

NAPAS_GUID = "A000000727"
TO_ACCOUNT = "QRIBFTTA"
VND = "704"
ACCOUNT_MAX = 19
_BIN = re.compile(r"^[0-9]{6}$")
_ACCOUNT = re.compile(r"^[0-9A-Za-z]{1,19}$")


class VietQRError(ServiceError):
    """No VietQR code can be made for this transfer."""


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE of `data`, bit by bit as EMVCo describes it."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def field(field_id: str, value: str) -> str:
    """One id-length-value field; a value is at most 99 characters."""
    if not value or len(value) > 99:
        raise VietQRError(f"field {field_id} must hold 1 to 99 characters")
    return f"{field_id}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """`body` followed by its CRC field."""
    body += "6304"
    return body + f"{crc16_ccitt(body.encode('utf-8')):04X}"


def payload(bank_bin: str, account: str, amount: int | None = None, note: str | None = None) -> str:
    """The VietQR string for a transfer of `amount` dong (None: the payer types it) with `note`."""
    if not _BIN.match(bank_bin or ""):
        raise VietQRError("a bank BIN is six digits")
    if not _ACCOUNT.match(account or ""):
        raise VietQRError("an account number is 1 to 19 letters or digits")
    if amount is not None and amount <= 0:
        raise VietQRError("the amount must be positive")
    beneficiary = field("00", bank_bin) + field("01", account)
    merchant = field("00", NAPAS_GUID) + field("01", beneficiary) + field("02", TO_ACCOUNT)
    body = field("00", "01") + field("01", "11" if amount is None else "12") + field("38", merchant)
    body += field("53", VND)
    if amount is not None:
        body += field("54", str(amount))
    body += field("58", "VN")
    if note:
        body += field("62", field("08", note))
    return with_crc(body)


def fields(text: str) -> dict[str, str]:
    """The top-level fields of a payload (id -> value); for reading a code back in tests and checks."""
    found, position = {}, 0
    while position < len(text):
        field_id, length = text[position:position + 2], int(text[position + 2:position + 4])
        found[field_id] = text[position + 4:position + 4 + length]
        position += 4 + length
    return found


def is_valid(text: str) -> bool:
    """Whether `text` ends with the CRC field of what precedes it."""
    return len(text) > 8 and text[-8:-4] == "6304" and with_crc(text[:-8]) == text
