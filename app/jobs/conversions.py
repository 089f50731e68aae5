"""Scheduled conversion work."""
from app.services import conversions


def auto_approve_due_job() -> int:
    """Approve conversions past their hold period on auto-approving campaigns (safe to run twice)."""
    return conversions.auto_approve_due()
