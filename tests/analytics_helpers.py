"""Helpers for the analytics tests: the same figures from the rollup (plus newer rows) and from raw rows."""
from datetime import date

from app.extensions import db
from app.models.analytics import MEASURES, StatsState
from app.services.analytics.sources import live_sources, merge, raw_sources, rollup_sources

ZONE = "Asia/Ho_Chi_Minh"
EVER = (date(2000, 1, 1), date(2100, 1, 1))


def dialect() -> str:
    return db.engine.dialect.name


def watermarks() -> tuple[int, int]:
    state = db.session.get(StatsState, 1)
    db.session.expire_all()
    return (state.click_watermark, state.change_watermark) if state else (0, 0)


def figures(sources, dims, filters=None, measures=MEASURES, period=EVER) -> dict:
    with db.engine.connect() as conn:
        results = [conn.execute(source.select(dims, filters or {}, *period, measures)).all() for source in sources]
    return {key: values for key, values in merge(results, dims, measures).items() if any(values.values())}


def rollup_figures(dims, filters=None, measures=MEASURES) -> dict:
    """Rollup plus what lies above its watermarks: what a page shows."""
    table = next(source for source in rollup_sources() if source.has(dims) and source.has(filters or {}))
    click_mark, change_mark = watermarks()
    return figures([table, *live_sources(ZONE, dialect(), click_mark, change_mark)], dims, filters, measures)


def raw_figures(dims, filters=None, measures=MEASURES) -> dict:
    return figures(raw_sources(ZONE, dialect()), dims, filters, measures)


def assert_rollup_matches_raw(dims=("day", "campaign_id", "affiliate_id", "link_id", "sub_id", "currency")):
    assert rollup_figures(dims) == raw_figures(dims)
