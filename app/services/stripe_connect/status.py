"""A connected account's state in plain words, read from what Stripe reports about it.

Stripe describes an account by its `transfers` capability, `payouts_enabled`, `details_submitted` and
`requirements` (currently_due, past_due, pending_verification, disabled_reason). People need one of:
details needed, pending verification, ready, restricted (and "not started" while there is no account).
"""
from flask_babel import lazy_gettext as _l

# Stripe's requirement keys, grouped by what the person has to do (first matching prefix wins).
REQUIREMENT_WORDS = (
    ("external_account", _l("a bank account for payouts")),
    ("tos_acceptance", _l("accepting Stripe's terms")),
    ("individual.verification", _l("an identity document")),
    ("individual.id_number", _l("an ID number")),
    ("individual.ssn_last_4", _l("an ID number")),
    ("individual.dob", _l("your date of birth")),
    ("individual.address", _l("your address")),
    ("individual.first_name", _l("your name")),
    ("individual.last_name", _l("your name")),
    ("individual.email", _l("your email address and phone number")),
    ("individual.phone", _l("your email address and phone number")),
    ("business_profile", _l("a description of your website or business")),
    ("company", _l("details of your company")),
    ("representative", _l("details of your company")),
    ("owners", _l("details of your company")),
    ("directors", _l("details of your company")),
    ("executives", _l("details of your company")),
)
OTHER_DETAILS = _l("other details Stripe asks for")


def status_of(account: dict) -> str:
    """details_needed | pending_verification | ready | restricted for a Stripe account object."""
    requirements = account.get("requirements") or {}
    reason = requirements.get("disabled_reason") or ""
    transfers = (account.get("capabilities") or {}).get("transfers")
    if reason.startswith("rejected") or reason in ("listed", "platform_paused", "under_review", "other"):
        return "restricted"
    if transfers == "active" and account.get("payouts_enabled"):
        return "ready"
    if not account.get("details_submitted"):
        return "details_needed"
    if requirements.get("past_due"):
        return "restricted"
    if requirements.get("currently_due"):
        return "details_needed"
    return "pending_verification"


def summarise(keys) -> list[str]:
    """Stripe's requirement keys as a short list of things to provide, in the reader's language, no repeats."""
    words = []
    for key in keys or ():
        found = next((word for prefix, word in REQUIREMENT_WORDS if key.startswith(prefix)), OTHER_DETAILS)
        if found not in words:
            words.append(found)
    return [str(word) for word in words]
