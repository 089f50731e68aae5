"""The metrics counted as things happen, shared by every process of the app.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR (set and emptied by the entry point before the app is
imported) makes each worker write its values to memory-mapped files there, and `/metrics` adds up
the files of every worker. Without it (development server, tests) the values live in this process.
Label values come from small fixed sets only: a raw path or a user's input never becomes a label.
"""
from prometheus_client import Counter, Gauge, Histogram

# Seconds; the click redirect lives in the lowest buckets, report pages in the middle ones.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

http_request_duration = Histogram(
    "affiliate_http_request_duration_seconds",
    "Time to answer a request, by route rule, method and status class; its _count is the request count.",
    ["endpoint", "method", "status"], buckets=LATENCY_BUCKETS)

clicks_recorded = Counter(
    "affiliate_clicks_recorded_total",
    "Clicks recorded by the redirect, by where they were kept: stream (Redis), database, spool, lost.",
    ["store"])

clicks_refused = Counter(
    "affiliate_clicks_refused_total",
    "Tracking link requests that recorded no click: robot, unknown_code, link_unavailable.",
    ["reason"])

# Each process reports its own pool; the live processes' values are added up.
db_pool_size = Gauge("affiliate_db_pool_size", "Connections the database pool keeps.",
                     multiprocess_mode="livesum")
db_pool_checked_out = Gauge("affiliate_db_pool_checked_out", "Database connections in use.",
                            multiprocess_mode="livesum")
db_pool_overflow = Gauge("affiliate_db_pool_overflow", "Database connections open beyond the pool's size.",
                         multiprocess_mode="livesum")

# Every label value made at import: the series exist from the start (a first click is an increase
# from 0), and the click path finds its child without the labels() lookup.
CLICKS_RECORDED = {store: clicks_recorded.labels(store) for store in ("stream", "database", "spool", "lost")}
CLICKS_REFUSED = {reason: clicks_refused.labels(reason) for reason in ("robot", "unknown_code", "link_unavailable")}
