"""Scheduled conversion work."""
from app.services.conversions import states


def auto_approve_due_job() -> int:
    """Approve conversions past their hold period on auto-approving campaigns (safe to run twice)."""
    return states.auto_approve_due()
