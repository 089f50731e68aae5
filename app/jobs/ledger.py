"""Checking the books every night, so a difference is found before a payout is made from it."""
from loguru import logger

from app.extensions import redis_connection
from app.services.ledger import verify
from app.services.monitoring import records


def verify_ledger_job() -> int:
    """Verify the ledger, log each difference and leave the result for `/metrics`; returns how many differ."""
    report = verify.verify()
    for difference in report.differences:
        logger.error("ledger difference: {}", difference)
    records.record_ledger_verification(redis_connection(), report)
    logger.info("ledger verified: {}", report.summary())
    return len(report.differences)
