"""What the admin needs to pay one request by bank transfer: the values to type or copy and, when the
bank and the currency allow it, a VietQR payload their banking app scans instead."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.models.money import PayoutRequest
from app.services.payouts import banks, vietqr
from app.services.payouts.bank_csv import amount_text, reference
from app.services.payouts.transfer_notes import QR_NOTE_MAX, note_for


@dataclass
class TransferSheet:
    account: str
    amount: str
    note: str
    qr_payload: str | None
    # Why there is no QR code, when there is none.
    no_qr_reason: object = None


def sheet_for(request: PayoutRequest) -> TransferSheet | None:
    """The transfer sheet of a bank-transfer request; None for other methods or without an account."""
    details = request.details or {}
    account = details.get("bank_account")
    if request.method != "bank_transfer" or not account:
        return None
    note = note_for(request, reference(request.id), limit=QR_NOTE_MAX)
    sheet = TransferSheet(account=account, amount=amount_text(request.amount, request.currency), note=note,
                          qr_payload=None)
    bank_bin = banks.bin_of(details.get("bank_code"))
    if request.currency != "VND":
        sheet.no_qr_reason = _l("VietQR codes carry amounts in dong only; this payout is in %(currency)s.",
                                currency=request.currency)
    elif bank_bin is None:
        sheet.no_qr_reason = _l("This bank has no NAPAS bank id in our list, so no VietQR code can be made.")
    else:
        try:
            sheet.qr_payload = vietqr.payload(bank_bin, account, request.amount, note)
        except vietqr.VietQRError:
            sheet.no_qr_reason = _l("The account number cannot be put in a VietQR code.")
    return sheet
