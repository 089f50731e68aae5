"""A gunicorn worker that keeps threads for the click path, so no page can make a visitor wait.

gunicorn's `gthread` worker hands every request to one pool of threads in arrival order: with all
threads busy rendering slow pages, a click redirect waits in the queue behind them (measured with
sync workers, where it is worse: four admins reloading heavy pages took the redirect from ~2,200
requests/s to almost none). This worker has two pools. Tracking requests (`/r/`, `/t/`, the
conversion API, the postback, `/track/health`) go to a pool of their own, `TRACK_THREADS` threads
(default 2); every other request goes to the page pool, `--threads` threads. Pages can still queue
behind each other, never in front of a click. The request line is read with MSG_PEEK before a pool is
chosen, so nothing is consumed; a connection whose first bytes have not arrived yet waits in the
worker's poller without taking a thread. Python threads share one interpreter lock, so the switch
interval is shortened to 1 ms: a tracking thread waits at most about that long per page thread
computing, instead of 5 ms.

Used by `docker/entrypoint.sh` for the `web` role: `gunicorn --worker-class
app.gunicorn_threads.TrackingPoolWorker --threads 4 wsgi:app`. A separate process group for the
tracking routes (the `track` role) is better still: then pages do not even share the CPU time of
the same processes.
"""
import os
import selectors
import socket
import sys
import time
from concurrent import futures
from functools import partial

from gunicorn.workers.gthread import ThreadWorker

# Paths answered on the tracking pool; what a shop or a visitor's browser calls.
TRACKING_PATHS = (b"/r/", b"/t/", b"/api/v1/conversions", b"/api/v1/postback", b"/track/health")
# The request line up to the path's first characters.
PEEK_BYTES = 64
SWITCH_INTERVAL = 0.001


def is_tracking(head: bytes) -> bool:
    """Whether a request starting with `head` ("GET /r/abc HTTP/1.1…") is one of the tracking routes."""
    _method, _, rest = head.partition(b" ")
    return rest.startswith(TRACKING_PATHS)


class TrackingPoolWorker(ThreadWorker):
    """gthread with a second thread pool reserved for the tracking routes."""

    def init_process(self):
        self.track_pool = futures.ThreadPoolExecutor(max_workers=int(os.environ.get("TRACK_THREADS", 2)),
                                                     thread_name_prefix="track")
        sys.setswitchinterval(SWITCH_INTERVAL)
        super().init_process()

    def handle_quit(self, sig, frame):
        self.track_pool.shutdown(wait=False)
        super().handle_quit(sig, frame)

    def enqueue_req(self, conn):
        head = self._peek(conn)
        if head is None:
            self._wait_for_data(conn)
            return
        pool = self.track_pool if is_tracking(head) else self.tpool
        done = pool.submit(self.handle, conn)
        done.add_done_callback(lambda fut: self.method_queue.defer(self.finish_request, conn, fut))

    def _peek(self, conn) -> bytes | None:
        """The first bytes of the next request, without taking them; None while none have arrived."""
        if self.cfg.is_ssl:
            return b""  # encrypted bytes say nothing: the page pool, as plain gthread would
        if conn.parser is not None:
            ahead = conn.parser.unreader.buf.getvalue()  # a body drain can read into the next request
            if ahead:
                return ahead
        try:
            return conn.sock.recv(PEEK_BYTES, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return None
        except OSError:
            return b""  # let the page pool meet the error and close the connection

    def _wait_for_data(self, conn):
        # As gthread does with a connection that sent nothing yet: the poller watches it, no thread
        # waits, and it is closed after the keep-alive timeout if nothing comes.
        conn.sock.setblocking(False)
        conn.timeout = time.monotonic() + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))
