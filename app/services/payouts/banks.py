"""Banks operating in Vietnam: our short code, the name people know, and the NAPAS bank id (BIN).

The BIN is the six-digit acquirer id a VietQR code names the receiving bank by (NAPAS 247); banks
without one cannot be paid through a QR code, only by a typed transfer.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Bank:
    code: str
    name: str
    bin: str | None


# The most used first: the order of the bank menu on the payout details form.
ALL = (
    Bank("VCB", "Vietcombank", "970436"), Bank("CTG", "VietinBank", "970415"), Bank("BIDV", "BIDV", "970418"),
    Bank("AGRIBANK", "Agribank", "970405"), Bank("TCB", "Techcombank", "970407"), Bank("MB", "MB", "970422"),
    Bank("ACB", "ACB", "970416"), Bank("VPB", "VPBank", "970432"), Bank("STB", "Sacombank", "970403"),
    Bank("TPB", "TPBank", "970423"), Bank("HDB", "HDBank", "970437"), Bank("VIB", "VIB", "970441"),
    Bank("SHB", "SHB", "970443"), Bank("SSB", "SeABank", "970440"), Bank("OCB", "OCB", "970448"),
    Bank("MSB", "MSB", "970426"), Bank("EIB", "Eximbank", "970431"), Bank("LPB", "LPBank", "970449"),
    Bank("NAB", "Nam A Bank", "970428"), Bank("ABB", "ABBANK", "970425"), Bank("BAB", "Bac A Bank", "970409"),
    Bank("VAB", "VietABank", "970427"), Bank("PGB", "PGBank", "970430"), Bank("KLB", "KienlongBank", "970452"),
    Bank("BVB", "BVBank", "970454"), Bank("VBB", "Vietbank", "970433"), Bank("SGB", "Saigonbank", "970400"),
    Bank("PVCB", "PVcomBank", "970412"), Bank("BVBANK", "BaoViet Bank", "970438"), Bank("SCB", "SCB", "970429"),
    Bank("CAKE", "CAKE by VPBank", "546034"), Bank("TIMO", "Timo", "963388"),
    Bank("SHBVN", "Shinhan Bank", "970424"), Bank("WOORI", "Woori Bank", "970457"),
    Bank("HSBC", "HSBC Vietnam", "458761"), Bank("SCVN", "Standard Chartered Vietnam", "970410"),
    Bank("UOB", "UOB Vietnam", "970458"), Bank("PBVN", "Public Bank Vietnam", "970439"),
)
BY_CODE = {bank.code: bank for bank in ALL}


def bin_of(code: str | None) -> str | None:
    """The NAPAS BIN of the bank with our `code`, or None (an "other" bank, or one without a BIN)."""
    bank = BY_CODE.get(code or "")
    return bank.bin if bank else None
