"""Facts other processes leave in Redis for `/metrics` to read: scheduled job successes, the last ledger check."""
import time

from loguru import logger

SCHEDULE_SUCCESS_KEY = "affiliate:schedule:last-success"
SCHEDULE_FIRST_SEEN_KEY = "affiliate:schedule:first-seen"
LEDGER_VERIFY_KEY = "affiliate:ledger:last-verify"


def _store(connection, what: str, write) -> None:
    """Write a record; Redis being away costs the record only, never the work that was just done."""
    if connection is None:
        return
    try:
        write()
    except Exception as exc:
        logger.warning("metrics: {} not recorded: {}: {}", what, type(exc).__name__, exc)


def record_job_success(connection, name: str, at: float | None = None) -> None:
    _store(connection, f"success of {name}",
           lambda: connection.hset(SCHEDULE_SUCCESS_KEY, name, f"{at or time.time():.3f}"))


def job_successes(connection, names) -> dict[str, float]:
    """When each named job last succeeded. A job never seen succeeding counts from when it was first
    looked for, so one that never succeeds still becomes late instead of staying invisible."""
    now = f"{time.time():.3f}"
    pipe = connection.pipeline(transaction=False)
    for name in names:
        pipe.hsetnx(SCHEDULE_FIRST_SEEN_KEY, name, now)
    pipe.hgetall(SCHEDULE_SUCCESS_KEY)
    pipe.hgetall(SCHEDULE_FIRST_SEEN_KEY)
    *_, successes, first_seen = pipe.execute()
    result = {}
    for name in names:
        raw = successes.get(name.encode()) or first_seen.get(name.encode())
        if raw is not None:
            result[name] = float(raw)
    return result


def record_ledger_verification(connection, report, at: float | None = None) -> None:
    _store(connection, "ledger verification", lambda: connection.hset(LEDGER_VERIFY_KEY, mapping={
        "at": f"{at or time.time():.3f}", "differences": len(report.differences), "entries": report.entries}))


def ledger_verification(connection) -> dict | None:
    raw = connection.hgetall(LEDGER_VERIFY_KEY)
    if not raw:
        return None
    return {key.decode(): float(value) for key, value in raw.items()}
