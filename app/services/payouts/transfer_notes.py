"""The note a bank transfer of a payout carries: it names the request, in the affiliate's language.

Banks in Vietnam (NAPAS 247, batch transfer files) take the note as plain ASCII, so Vietnamese is
written without its accents, as people type transfer notes anyway: "PR-12 chi tra hoa hong".
"""
import re
import unicodedata

from flask_babel import gettext as _

from app.models.money import PayoutRequest
from app.services.common.mail import in_language_of

# NAPAS limits the purpose of a QR transfer to 25 characters; the reference always fits.
QR_NOTE_MAX = 25
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9 .\-]")


def plain(text: str) -> str:
    """`text` without accents or other characters a bank may refuse: "Chi trả đơn" -> "Chi tra don"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_PLAIN.sub(" ", without_marks).split())


def note_for(request: PayoutRequest, reference: str, limit: int | None = None) -> str:
    """The transfer note of `request` ("PR-12 affiliate payout"), cut to `limit` characters if given."""
    with in_language_of(request.affiliate):
        note = plain(_("%(ref)s affiliate payout", ref=reference))
    if limit is not None and len(note) > limit:
        note = note[:limit].rstrip()
    return note
