"""The web worker's second thread pool: a click is answered while every page thread is busy."""
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from app.gunicorn_threads import is_tracking
from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("head, expected", [
    (b"GET /r/abc123 HTTP/1.1\r\nHost: x", True),
    (b"HEAD /r/abc123 HTTP/1.1", True),
    (b"GET /t/aff.js HTTP/1.1", True),
    (b"GET /t/conversion.gif?campaign=1 HTTP/1.1", True),
    (b"POST /api/v1/conversions HTTP/1.1", True),
    (b"POST /api/v1/conversions/7/refunds HTTP/1.1", True),
    (b"GET /api/v1/postback?token=x HTTP/1.1", True),
    (b"GET /track/health HTTP/1.1", True),
    (b"GET /home/admin HTTP/1.1", False),
    (b"GET /conversions/campaign-clicks HTTP/1.1", False),
    (b"GET /rr/x HTTP/1.1", False),
    (b"GET / HTTP/1.1", False),
    (b"GE", False),
    (b"", False),
])
def test_tracking_requests_are_told_from_pages_by_their_path(head, expected):
    assert is_tracking(head) is expected


@pytest.fixture
def server(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--worker-class", "app.gunicorn_threads.TrackingPoolWorker",
         "--workers", "1", "--threads", "1", "--bind", f"127.0.0.1:{port}", "--no-control-socket",
         "tests.fakes.slow_pages:app"],
        cwd=ROOT, env={"SLOW_PAGES_DIR": str(tmp_path), "TRACK_THREADS": "1", "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}", tmp_path
    finally:
        process.terminate()
        process.wait(timeout=30)


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return answer.read().decode()


def test_a_click_is_answered_while_every_page_thread_is_busy(server):
    base, release_dir = server
    pages = [threading.Thread(target=get, args=(f"{base}/slow/{name}",)) for name in ("one", "two")]
    for page in pages:
        page.start()  # the one page thread takes the first; the second waits in the page queue
    try:
        assert get(f"{base}/r/abc") == "/r/abc"
        assert get(f"{base}/track/health") == "/track/health"
        assert all(page.is_alive() for page in pages)  # both pages still unanswered
    finally:
        for name in ("one", "two"):
            (release_dir / name).touch()
        for page in pages:
            page.join(timeout=30)
    assert not any(page.is_alive() for page in pages)


def test_pages_still_queue_for_the_page_threads_and_are_all_answered(server):
    base, release_dir = server
    (release_dir / "open").touch()
    answers = []
    pages = [threading.Thread(target=lambda: answers.append(get(f"{base}/slow/open"))) for _ in range(4)]
    for page in pages:
        page.start()
    for page in pages:
        page.join(timeout=30)
    assert answers == ["/slow/open"] * 4
