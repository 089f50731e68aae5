"""At most PAGE_CONCURRENCY pages prepared at once, across every worker of the process group.

A page's queries run in Postgres backends, and those cannot be given a lower CPU priority than the
click path's (app/cpu_priority.py lowers only the web processes themselves). Bounding how many pages
are prepared at once bounds how many backends work for pages, so however many people reload reports,
their queries take at most that many cores from the clicks; the others wait their turn, which on a
busy server costs them nothing (more pages at once would only share the same cores). A page that
waits longer than PAGE_WAIT_SECONDS gets a short 503 page asking to try again, rather than hanging.

The gate is a folder of slot files (PAGE_SLOTS_DIR) locked with flock: a slot is taken by locking
its file and given back by closing it, so every process and thread of the host that uses the folder
shares the bound, and a worker that dies gives its slots back with its open files. Only reading page
requests wait at the gate (the same ones the statement time limit applies to, app/statement_timeout.py);
tracking, the API, health checks and form submissions never do.
"""
import fcntl
import os
import time
from pathlib import Path

from flask import current_app, g, request
from loguru import logger
from werkzeug.exceptions import HTTPException

from app.statement_timeout import is_page_request

# How often a waiting page tries the slots again: short at first, then no more than 20 times a second.
FIRST_PAUSE, LONGEST_PAUSE = 0.005, 0.05


class PagesBusy(HTTPException):
    """Every slot stayed taken for as long as a page may wait."""

    code = 503
    description = "Every page slot stayed busy."


class Slots:
    """`count` slot files in `folder`; `take` returns an open file that holds one, or None."""

    def __init__(self, folder: str | os.PathLike, count: int):
        if count < 1:
            raise ValueError("a gate needs at least one slot")
        self.folder, self.count = Path(folder), count
        self.folder.mkdir(parents=True, exist_ok=True)
        self.paths = [self.folder / f"slot-{n}" for n in range(count)]

    def try_take(self) -> int | None:
        """A free slot's file descriptor (the slot is held until it is closed), or None when all are taken."""
        # Start at a different slot in each process so they do not all knock on the first one.
        first = os.getpid() % self.count
        for n in range(self.count):
            descriptor = os.open(self.paths[(first + n) % self.count], os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                continue
            return descriptor
        return None

    def take(self, wait_seconds: float, *, clock=time.monotonic, sleep=time.sleep) -> int | None:
        """A slot, waiting up to `wait_seconds` for one to be given back; None if none was."""
        deadline = clock() + wait_seconds
        pause = FIRST_PAUSE
        while True:
            descriptor = self.try_take()
            if descriptor is not None:
                return descriptor
            left = deadline - clock()
            if left <= 0:
                return None
            sleep(min(pause, left))
            pause = min(pause * 2, LONGEST_PAUSE)

    @staticmethod
    def give_back(descriptor: int) -> None:
        os.close(descriptor)  # closing the only descriptor of the open file releases its lock


def init_app(app) -> None:
    # First of all request hooks: nothing a page does (loading the signed-in user included) runs before its turn.
    app.before_request_funcs.setdefault(None, []).insert(0, _enter)
    app.teardown_request(_leave)


def slots() -> Slots | None:
    """This app's gate, made at its first use from the settings (None when PAGE_CONCURRENCY is 0)."""
    config = current_app.config
    count, folder = config["PAGE_CONCURRENCY"], config["PAGE_SLOTS_DIR"]
    if not count:
        return None
    gate = current_app.extensions.get("page_gate")
    if gate is None or (gate.folder, gate.count) != (Path(folder), count):
        gate = current_app.extensions["page_gate"] = Slots(folder, count)
    return gate


def _enter() -> None:
    gate = slots()
    if gate is None or not is_page_request():
        return
    wait = current_app.config["PAGE_WAIT_SECONDS"]
    descriptor = gate.take(wait)
    if descriptor is None:
        logger.warning("page {} refused after waiting {} s for one of {} page slots", request.path, wait, gate.count)
        raise PagesBusy()
    g.page_slot = descriptor


def _leave(_error=None) -> None:
    descriptor = g.pop("page_slot", None)
    if descriptor is not None:
        Slots.give_back(descriptor)
