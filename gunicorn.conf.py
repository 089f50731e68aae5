"""gunicorn reads this file from the project folder by itself: metrics shared by all its workers, and
the process group's CPU priority (CPU_PRIORITY, app/cpu_priority.py; the web role sets it low).

prometheus-client's multiprocess mode needs PROMETHEUS_MULTIPROC_DIR set before the app is
imported, to a folder holding no files of an earlier run. docker/entrypoint.sh sets it; started any
other way, gunicorn gets a fresh temporary folder here, removed again when it stops. Each worker
writes its own files there; an exited worker's live gauges are dropped, its counters kept.
"""
import gc
import glob
import os
import shutil
import tempfile

_created = None
_warm = None
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(_folder, exist_ok=True)
    # Only prometheus-client's own files: the variable could point anywhere.
    for _stale in glob.glob(os.path.join(_folder, "*.db")):
        os.unlink(_stale)
else:
    _created = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="affiliate-metrics-")


def on_starting(server):
    """In the master, before any worker is forked: the workers inherit the priority."""
    from app.cpu_priority import apply_from_environment

    apply_from_environment()


def post_worker_init(worker):
    """Keep what the worker loaded at start out of the garbage collector's full passes.

    The app's modules, settings, translations and mappings live as long as the worker, a few hundred
    thousand objects; a full collection walks every one of them, ~100 ms in the middle of whichever
    request set it off. Frozen, they are skipped, and a full pass costs a fraction of that. What the
    first requests build for good is frozen too, a few times early on (`post_request`).
    """
    global _warm
    from app.warm_freeze import WarmFreeze

    gc.freeze()
    _warm = WarmFreeze()
    ungate_sync_worker(worker)


def ungate_sync_worker(worker) -> None:
    """A sync worker answers one request at a time: waiting at the page gate (app/page_gate.py) it would
    answer no click meanwhile, which is worse than no gate. Its pages are not gated unless
    PAGE_CONCURRENCY is set; the gate is for threaded workers (the web role) beside a track group."""
    from gunicorn.workers.sync import SyncWorker

    if isinstance(worker, SyncWorker) and "PAGE_CONCURRENCY" not in os.environ:
        worker.wsgi.config["PAGE_CONCURRENCY"] = 0


def post_request(worker, req, environ=None, resp=None):
    """After the response went out: at the warm-up marks, collect and freeze (app/warm_freeze.py)."""
    if _warm is not None:
        _warm.after_request()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _created:
        shutil.rmtree(_created, ignore_errors=True)
