"""VietQR payloads checked against published examples, with CRCs computed independently."""
import binascii

import pytest

from app.services.payouts import bank_transfer, banks, transfer_notes, vietqr
from tests.payout_admin_helpers import ACCOUNT, payout_in

# Published examples: NAPAS's specification (dynamic transfer to account 0011012345678 at BIN 970403
# with a bill number and a purpose) and a widely used library's README (120.000 dong to VietinBank).
NAPAS_DYNAMIC = ("00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA53037045406180000"
                 "5802VN62340107NPS68690819thanh toan don hang63042E2E")
NAPAS_STATIC = "00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN63049E6F"
VIETIN_SAMPLE = ("00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA53037045406120000"
                 "5802VN62170813ung ho lu lut6304C15C")


def reference_crc(text: str) -> str:
    """CRC-16/CCITT-FALSE by the standard library (binascii.crc_hqx with start value 0xFFFF)."""
    return f"{binascii.crc_hqx(text.encode('utf-8'), 0xFFFF):04X}"


def test_the_crc_is_crc16_ccitt_false():
    # The catalogue check value of CRC-16/CCITT-FALSE.
    assert vietqr.crc16_ccitt(b"123456789") == 0x29B1
    for sample in (NAPAS_DYNAMIC, NAPAS_STATIC, VIETIN_SAMPLE):
        assert reference_crc(sample[:-4]) == sample[-4:]
        assert f"{vietqr.crc16_ccitt(sample[:-4].encode()):04X}" == sample[-4:]


def test_payloads_match_the_published_examples():
    assert vietqr.payload("970415", "0011001932418", 120_000, "ung ho lu lut") == VIETIN_SAMPLE
    assert vietqr.payload("970403", "0011012345678") == NAPAS_STATIC


def test_the_napas_example_reads_back_field_by_field():
    top = vietqr.fields(NAPAS_DYNAMIC)
    assert top["00"] == "01" and top["01"] == "12" and top["53"] == "704" and top["54"] == "180000"
    assert top["58"] == "VN" and top["63"] == "2E2E"
    merchant = vietqr.fields(top["38"])
    assert merchant == {"00": "A000000727", "01": "000697040301130011012345678", "02": "QRIBFTTA"}
    assert vietqr.fields(merchant["01"]) == {"00": "970403", "01": "0011012345678"}
    assert vietqr.is_valid(NAPAS_DYNAMIC) and not vietqr.is_valid(NAPAS_DYNAMIC[:-1] + "F")


def test_a_payload_of_our_own_is_well_formed_and_its_crc_independent():
    text = vietqr.payload("970436", "0071000123456", 2_500_000, "PR-42 chi tra hoa hong")
    assert reference_crc(text[:-4]) == text[-4:]
    top = vietqr.fields(text)
    assert top["54"] == "2500000" and vietqr.fields(top["62"]) == {"08": "PR-42 chi tra hoa hong"}
    assert vietqr.fields(vietqr.fields(top["38"])["01"]) == {"00": "970436", "01": "0071000123456"}


@pytest.mark.parametrize("bank_bin, account, amount", [
    ("97043", "123", 1), ("970436", "", 1), ("970436", "1" * 20, 1), ("970436", "12 34", 1), ("970436", "1", 0),
])
def test_bad_input_is_refused(bank_bin, account, amount):
    with pytest.raises(vietqr.VietQRError):
        vietqr.payload(bank_bin, account, amount)


def test_every_listed_bank_has_a_distinct_six_digit_bin():
    bins = [bank.bin for bank in banks.ALL]
    assert all(b and len(b) == 6 and b.isdigit() for b in bins) and len(set(bins)) == len(bins)
    assert banks.bin_of("VCB") == "970436" and banks.bin_of("other") is None


def test_transfer_notes_drop_accents_and_keep_the_reference():
    assert transfer_notes.plain("Chi trả hoa hồng Đợt 1!") == "Chi tra hoa hong Dot 1"


def test_the_transfer_sheet_of_a_vnd_bank_payout(app):
    payout = payout_in("approved", amount=750_000, locale="vi")
    sheet = bank_transfer.sheet_for(payout)
    assert sheet.account == ACCOUNT and sheet.amount == "750000"
    assert sheet.note == f"PR-{payout.id} chi tra hoa hong"
    top = vietqr.fields(sheet.qr_payload)
    assert top["54"] == "750000" and vietqr.fields(top["62"])["08"] == sheet.note
    assert vietqr.fields(vietqr.fields(top["38"])["01"]) == {"00": "970436", "01": ACCOUNT}
    assert vietqr.is_valid(sheet.qr_payload)


def test_no_qr_for_other_currencies_or_methods(app):
    usd = bank_transfer.sheet_for(payout_in("approved", amount=1250, currency="USD"))
    assert usd.qr_payload is None and "USD" in str(usd.no_qr_reason)
    assert bank_transfer.sheet_for(payout_in("approved", method="momo")) is None
