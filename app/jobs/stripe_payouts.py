"""Stripe payout runs in the background: a run an admin started, the daily run, and the sweep."""
from app.services.stripe_connect import runs


def execute_payout_run_job(run_id: int) -> dict:
    return runs.execute(run_id)


def daily_stripe_payouts_job() -> dict | str:
    """Start and do today's run once its time has come (safe to call as often as the scheduler likes)."""
    run_id = runs.start_scheduled()
    return runs.execute(run_id) if run_id is not None else "not due, already made today, or Stripe not set up"


def sweep_stripe_payouts_job() -> dict | str:
    """Finish the work of runs that died: their processing requests are looked up in Stripe and settled."""
    run_id = runs.start_sweep()
    return runs.execute(run_id) if run_id is not None else "nothing abandoned"
