"""The CPU priority of a gunicorn process group, from `CPU_PRIORITY`: clicks first, pages with what is left.

On a small server the click redirect, saturated, uses every core; any page rendered meanwhile takes
its CPU from the redirect. The `web` role (docker/entrypoint.sh) therefore lowers its own priority,
and its workers inherit it:

- `normal`: unchanged (the `track` role, and anything started by hand).
- `low`: nice 19: about 1.5 % of a contended core for each page process against a normal one.
- `idle` (the web role's default): SCHED_IDLE, weight 3 against nice 0's 1,024, and a click waking
  up takes the core from a page at once instead of at the end of the page's time slice. Pages still
  move on under a flood of clicks, slowly (the page gate, app/page_gate.py, answers 503 to those that
  wait too long for their turn).

A nice value counts only against processes in the same scheduling group. Linux puts each session in
a group of its own ("autogroup", on by default on most distributions), so a niced gunicorn started
in a session of its own (systemd, supervisord) would still get as much CPU as the track group beside
it. When the master leads its own session, the whole group is lowered too (/proc/self/autogroup).
Under Docker each container is a control group and neither nice nor the autogroup counts across
containers: docker-compose.prod.yml gives the web service a small `cpu_shares` instead. The Postgres
backends that run the pages' queries cannot be lowered this way: the page gate bounds how many run.
"""
import os
from pathlib import Path

from loguru import logger

CHOICES = ("normal", "low", "idle")
LOWEST_NICE = 19
AUTOGROUP = Path("/proc/self/autogroup")


def parse(value: str | None) -> str:
    """The setting from the environment's text; anything unknown stops the start with a clear message."""
    chosen = (value or "normal").strip().lower()
    if chosen not in CHOICES:
        raise ValueError(f"CPU_PRIORITY must be one of {', '.join(CHOICES)}, not {value!r}")
    return chosen


def apply(priority: str) -> list[str]:
    """Lower this process (and what it forks later) to `priority`; returns what was changed."""
    if priority == "normal":
        return []
    changed = []
    if priority == "idle":
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        changed.append("SCHED_IDLE")
    os.setpriority(os.PRIO_PROCESS, 0, LOWEST_NICE)
    changed.append(f"nice {LOWEST_NICE}")
    # Only a group that holds nothing but this server: lowering a shared session would lower its neighbours.
    if os.getsid(0) == os.getpid():
        try:
            AUTOGROUP.write_text(str(LOWEST_NICE))
        except OSError:
            pass  # no autogroup support (or a read-only /proc): nice still counts within the group
        else:
            changed.append(f"autogroup nice {LOWEST_NICE}")
    return changed


def apply_from_environment() -> None:
    priority = parse(os.environ.get("CPU_PRIORITY"))
    changed = apply(priority)
    if changed:
        logger.info("CPU priority {}: {}", priority, ", ".join(changed))
