"""Metrics of the click drain and of the background worker, each in its own registry (see exporter)."""
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.process_collector import ProcessCollector

from app.services.monitoring.metrics import LATENCY_BUCKETS


class DrainMetrics:
    """What `flask tracking drain` reports: its heartbeat, what it stored and how long batches took."""

    def __init__(self):
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        self.stored = Counter("affiliate_click_drain_clicks_stored_total",
                              "Clicks the drain inserted into the database.", registry=self.registry)
        self.batches = Counter("affiliate_click_drain_batches_total", "Batches the drain stored.",
                               registry=self.registry)
        self.errors = Counter("affiliate_click_drain_errors_total",
                              "Drain loops that failed (Redis or the database unreachable) and were retried.",
                              registry=self.registry)
        self.batch_duration = Histogram("affiliate_click_drain_batch_duration_seconds",
                                        "Time to store one batch.", buckets=LATENCY_BUCKETS, registry=self.registry)
        self.last_loop = Gauge("affiliate_click_drain_last_loop_timestamp_seconds",
                               "When the drain last completed a loop (read, store, acknowledge).",
                               registry=self.registry)
        self.last_loop.set(time.time())

    def batch(self, stored: int, seconds: float) -> None:
        self.batches.inc()
        self.stored.inc(stored)
        self.batch_duration.observe(seconds)

    def loop_done(self) -> None:
        self.last_loop.set(time.time())


class WorkerMetrics:
    """What the worker reports about the jobs it ran."""

    def __init__(self):
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        self.jobs = Counter("affiliate_worker_jobs_total", "Jobs the worker ran, by queue, job and outcome.",
                            ["queue", "job_name", "outcome"], registry=self.registry)
        self.duration = Histogram("affiliate_worker_job_duration_seconds", "Time a job took, by queue and job.",
                                  ["queue", "job_name"], buckets=LATENCY_BUCKETS + (30, 60, 300),
                                  registry=self.registry)

    def job_done(self, queue: str, job_name: str, outcome: str, seconds: float) -> None:
        self.jobs.labels(queue, job_name, outcome).inc()
        self.duration.labels(queue, job_name).observe(seconds)
