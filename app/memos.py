"""What a ledger entry is about, in the reader's language.

New entries store a code and its parameters (`memo_code`, `memo_params`); entries written before that
kept an English sentence in `memo`, which is read back into the same code here. The ledger is
append-only, so those rows are never rewritten; text of an unknown shape is shown as it is.
"""
import re

from flask_babel import gettext as _

from app.labels import label

ORDER, ORDER_REVERSED, ORDER_REFUNDED = "order", "order_reversed", "order_refunded"
PAYOUT_RESERVED, PAYOUT_RELEASED, PAYOUT_TAKEN_BACK = "payout_reserved", "payout_released", "payout_taken_back"
WRITE_OFF = "write_off"

# The English memos of older rows, in the order they are tried.
_LEGACY = (
    (re.compile(r"^Reversal of order (?P<order>.+)$", re.S), ORDER_REVERSED),
    (re.compile(r"^Refund of order (?P<order>.+)$", re.S), ORDER_REFUNDED),
    (re.compile(r"^Order (?P<order>.+)$", re.S), ORDER),
    (re.compile(r"^Payout request (?P<request>\d+)$"), PAYOUT_RESERVED),
    (re.compile(r"^Payout request (?P<request>\d+) taken back(?: \((?P<note>.*)\))?$", re.S), PAYOUT_TAKEN_BACK),
    (re.compile(r"^Payout request (?P<request>\d+) (?P<status>[a-z_]+)$"), PAYOUT_RELEASED),
    (re.compile(r"^Write-off: (?P<reason>.*)$", re.S), WRITE_OFF),
)


def params(code: str, **values) -> dict:
    """The keyword arguments `entries.append` stores for a memo: its code and its parameters."""
    return {"memo_code": code, "memo_params": {k: v for k, v in values.items() if v is not None}}


def _read_legacy(memo: str | None) -> tuple[str | None, dict]:
    for pattern, code in _LEGACY:
        found = pattern.match(memo or "")
        if found:
            return code, {k: v for k, v in found.groupdict().items() if v is not None}
    return None, {}


def _worded(code: str, values: dict) -> str | None:
    order, request = values.get("order"), values.get("request")
    if code == ORDER:
        return _("Order %(order)s", order=order)
    if code == ORDER_REVERSED:
        return _("Commission of order %(order)s reversed", order=order)
    if code == ORDER_REFUNDED:
        return _("Refund of order %(order)s", order=order)
    if code == PAYOUT_RESERVED:
        return _("Payout request #%(request)s", request=request)
    if code == PAYOUT_RELEASED:
        return _("Payout request #%(request)s: %(status)s", request=request, status=label(values.get("status")))
    if code == PAYOUT_TAKEN_BACK:
        if values.get("note"):
            return _("Payout request #%(request)s taken back (%(note)s)", request=request, note=values["note"])
        return _("Payout request #%(request)s taken back", request=request)
    if code == WRITE_OFF:
        return _("Written off: %(reason)s", reason=values.get("reason", ""))
    return None


def memo_text(entry) -> str:
    code, values = entry.memo_code, entry.memo_params or {}
    if code is None:
        code, values = _read_legacy(entry.memo)
    worded = _worded(code, values) if code else None
    return worded if worded is not None else (entry.memo or "")


def init_app(app) -> None:
    app.jinja_env.filters["memo"] = memo_text
