"""Keep what a warm worker holds for good out of the garbage collector's full passes.

gunicorn.conf.py freezes what a worker loaded at start. What its first requests build stays as long:
SQLAlchemy's compiled statements, Jinja's compiled templates, Babel's locale data, the cached
translations — ~130,000 objects once every page has been asked for. A full collection walks every
one of them, 50–90 ms in the middle of whichever request set it off (about one page in twenty).
So a few times early in the worker's life (`MARKS`, seconds after it started), once a response has
gone out, the worker collects what is garbage and freezes the rest; full passes then walk only
what requests made since, ~5 ms. Frozen objects are still freed when nothing refers to them; only
a cycle among them that becomes garbage later stays, so the freezes are few and bounded.
"""
import gc
import time

MARKS = (120, 900, 3600)


class WarmFreeze:
    def __init__(self, marks=MARKS, clock=time.monotonic):
        self.clock, self.started, self.marks = clock, clock(), sorted(marks)

    def after_request(self) -> bool:
        """Called once a response went out: collect and freeze when a mark has passed (True)."""
        if not self.marks or self.clock() - self.started < self.marks[0]:
            return False
        age = self.clock() - self.started
        self.marks = [mark for mark in self.marks if mark > age]
        gc.collect()
        gc.freeze()
        return True
