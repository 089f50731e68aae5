"""gunicorn.conf.py's worker hooks."""
import gc
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_worker_freezes_what_it_loaded_at_start_out_of_full_collections(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        hooks["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_warm_worker_freezes_again_at_its_marks_only(monkeypatch):
    from app.warm_freeze import WarmFreeze

    now = [1000.0]
    warm = WarmFreeze(marks=(60, 600), clock=lambda: now[0])
    gc.unfreeze()
    try:
        assert not warm.after_request()
        assert gc.get_freeze_count() == 0
        now[0] += 61
        kept = [[] for _ in range(10)]  # built by the first requests, held for good
        assert warm.after_request()
        assert gc.get_freeze_count() > 0 and not any(o is kept for o in gc.get_objects())
        assert not warm.after_request()  # the next mark is still ahead
        now[0] += 10_000  # both marks passed while the worker was idle: one freeze, then none
        assert warm.after_request() and not warm.after_request()
        assert kept
    finally:
        gc.unfreeze()


def test_the_post_request_hook_uses_the_workers_warm_freeze(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    try:
        hooks["post_request"](None, None, None, None)  # before the worker started: nothing to do
        hooks["post_worker_init"](worker=None)
        warm = hooks["post_worker_init"].__globals__["_warm"]
        assert warm is not None and warm.marks
        hooks["post_request"](None, None, None, None)
    finally:
        gc.unfreeze()


def test_a_sync_worker_leaves_its_pages_ungated_unless_told_otherwise(tmp_path, monkeypatch):
    from gunicorn.workers.gthread import ThreadWorker
    from gunicorn.workers.sync import SyncWorker

    from app.gunicorn_threads import TrackingPoolWorker

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.delenv("PAGE_CONCURRENCY", raising=False)
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    class App:
        def __init__(self):
            self.config = {"PAGE_CONCURRENCY": 1}

    def worker_of(kind):
        worker = kind.__new__(kind)  # as gunicorn has it when post_worker_init runs: its app loaded
        worker.wsgi = App()
        return worker

    sync, threaded, tracking = worker_of(SyncWorker), worker_of(ThreadWorker), worker_of(TrackingPoolWorker)
    for worker in (sync, threaded, tracking):
        hooks["ungate_sync_worker"](worker)
    assert [w.wsgi.config["PAGE_CONCURRENCY"] for w in (sync, threaded, tracking)] == [0, 1, 1]

    monkeypatch.setenv("PAGE_CONCURRENCY", "1")  # said outright: kept
    told = worker_of(SyncWorker)
    hooks["ungate_sync_worker"](told)
    assert told.wsgi.config["PAGE_CONCURRENCY"] == 1
