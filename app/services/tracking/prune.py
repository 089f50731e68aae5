"""Raw clicks are kept CLICK_RETENTION_MONTHS; older months go whole, once the rollups hold their figures.

The rule itself (a month goes only when it is past the retention period and the rollup has counted
every click of it) lives with the rollup in `analytics.retention`; this module hands it the click
store's months and the way to drop one, and makes the partitions ahead on Postgres.
"""
from datetime import datetime

from flask import current_app

from app.models.common import utcnow
from app.services.analytics import retention
from app.services.tracking import partitions


def prune(dry_run: bool = False, now: datetime | None = None) -> list[retention.Month]:
    """What a prune does with each month of raw clicks, oldest first; with `dry_run` nothing is dropped."""
    config = current_app.config
    return retention.prune(partitions.months, partitions.drop_month, config["CLICK_RETENTION_MONTHS"],
                           config["BABEL_DEFAULT_TIMEZONE"], dry_run=dry_run, now=now or utcnow())


def make_partitions_ahead(now: datetime | None = None) -> list:
    """The monthly partitions made now (Postgres; nothing elsewhere), this month's and CLICK_PARTITIONS_AHEAD more."""
    return partitions.ensure_ahead(current_app.config["CLICK_PARTITIONS_AHEAD"], now or utcnow())
