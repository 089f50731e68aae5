"""The RQ worker with metrics: each job's outcome and duration, recorded by the worker process itself.

RQ runs every job in a forked work horse that exits afterwards; counting inside the horse would
lose the count with it. The parent waits for the horse anyway, so it measures the job and reads
its final status. A recurring job that finished also leaves its time in Redis for `/metrics`.
"""
import time

from loguru import logger
from rq import Worker
from rq.job import JobStatus

from app.services.monitoring import records

OUTCOMES = {JobStatus.FINISHED: "finished", JobStatus.FAILED: "failed", JobStatus.STOPPED: "stopped",
            JobStatus.CANCELED: "canceled"}


class MeasuredJobs:
    """Mixed into an RQ worker class: reports each job to `metrics` (WorkerMetrics) and records the
    success of recurring jobs, known by function name."""

    metrics = None
    recurring_by_func: dict[str, str] = {}

    def execute_job(self, job, queue):
        started = time.monotonic()
        try:
            super().execute_job(job, queue)
        finally:
            self._measure(job, queue, time.monotonic() - started)

    def _measure(self, job, queue, seconds: float) -> None:
        try:
            status = job.get_status(refresh=True)
            outcome = OUTCOMES.get(status, "other")
            func_name = job.func_name or "unknown"
            if self.metrics is not None:
                self.metrics.job_done(queue.name, func_name.rsplit(".", 1)[-1], outcome, seconds)
            recurring = self.recurring_by_func.get(func_name)
            if recurring and outcome == "finished":
                records.record_job_success(self.connection, recurring)
        except Exception as exc:  # a metrics hiccup must never stop the worker
            logger.warning("worker metrics: job {} not measured: {}: {}", job.id, type(exc).__name__, exc)


class MeasuredWorker(MeasuredJobs, Worker):
    """The forking worker `python worker.py` runs."""
