"""Failures a test can ask the stand-in Stripe for, on the next matching request(s).

- `unavailable`: 503 before anything happens, not kept for the idempotency key (a load balancer's refusal);
- `rate_limit`: 429 before anything happens, not kept either (Stripe's rate limiter);
- `error_after`: the request takes effect, then 500; the 500 is kept as the key's result, as Stripe keeps it;
- `timeout_after`: the request takes effect, then the answer waits `delay` seconds (the client gives up first);
- `hold_before`: the request waits at the door until released (or `delay` runs out), then the connection is
  dropped without any effect — a client killed meanwhile never learns anything;
- `hold_after`: the request takes effect, then waits until released before answering.

`reached` is set when a request arrives at the failure, so a test can act at exactly that moment;
`skip` lets that many matching requests through untouched before the failure applies.
"""
import fnmatch
import threading
from dataclasses import dataclass, field

MODES = ("unavailable", "rate_limit", "error_after", "timeout_after", "hold_before", "hold_after")


@dataclass
class Fault:
    method: str
    path: str  # a glob: "/v1/transfers", "/v1/transfers/*/reversals"
    mode: str
    times: int = 1
    delay: float = 30.0
    skip: int = 0
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return self.method == method and fnmatch.fnmatchcase(path, self.path)


class FaultPlan:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, method: str, path: str, mode: str, *, times: int = 1, delay: float = 30.0,
            skip: int = 0) -> Fault:
        if mode not in MODES:
            raise ValueError(f"unknown failure mode {mode!r}; one of {', '.join(MODES)}")
        fault = Fault(method.upper(), path, mode, times, delay, skip)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first planned failure for this request, used up by one (None: answer normally)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path) and fault.hits < fault.times:
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.hits += 1
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            for fault in self._faults:
                fault.release.set()
            self._faults.clear()
