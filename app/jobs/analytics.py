"""Analytics in the background: keeping the rollup current, and the summary emails."""
from datetime import date

from app.services.analytics import reports, rollup


def roll_up_stats_job() -> str:
    """Count the clicks and conversion changes since the last run (safe to run twice, or at once)."""
    outcome = rollup.run()
    if outcome.skipped:
        return "skipped: another run is in progress"
    return f"{outcome.clicks} clicks, {outcome.changes} conversion changes in {outcome.seconds:.1f} s"


def queue_reports_job() -> int:
    """Queue the weekly and monthly reports now due (safe to run twice: each is sent once)."""
    return reports.queue_due()


def send_report_job(user_id: int, kind: str, period_start: str) -> bool:
    """Send one summary email unless it was already sent for that period."""
    return reports.send(user_id, kind, date.fromisoformat(period_start))
