"""Where the CPU went during a measurement: per group of processes, in cores (1.0 = one core busy).

Every process on the machine is read from /proc before and after; each is put in a group: a
gunicorn group by its master's pid, a Postgres backend by the application name its client gave
(PGAPPNAME, set per gunicorn group by the benchmark), redis-server, wrk, the benchmark itself (the
page users' HTTP clients), and "other".
"""
import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[str, int, int]]:
    """{pid: (command line, parent pid, CPU ticks)} of every process readable now."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        found[int(entry.name)] = (command or stat.partition("(")[2].partition(")")[0],
                                  int(fields[1]), int(fields[11]) + int(fields[12]))
    return found


def _machine() -> tuple[int, int]:
    """The machine's idle and stolen ticks so far (stolen: taken by the host from this virtual machine)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    return int(fields[3]) + int(fields[4]), int(fields[7]) if len(fields) > 7 else 0


def _waited_children() -> float:
    times = os.times()
    return times.children_user + times.children_system


class CpuShare:
    """`start()` and `finish()` around a measurement; `groups` maps a master pid to a name."""

    def __init__(self, database_url: str, groups: dict[int, str], extra: dict[int, str]):
        self.conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
        self.groups, self.extra = groups, extra

    def start(self) -> None:
        import time

        self.before, self.started, self.children = _processes(), time.monotonic(), _waited_children()
        self.machine = _machine()

    def finish(self) -> dict[str, float]:
        import time

        import psycopg

        after, seconds = _processes(), time.monotonic() - self.started
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            backends = dict(conn.execute("SELECT pid, application_name FROM pg_stat_activity").fetchall())
        # wrk has exited by now: its CPU is counted in the children this process waited for.
        cores: dict[str, float] = {"wrk": (_waited_children() - self.children) / seconds}
        idle, stolen = (now - then for now, then in zip(_machine(), self.machine, strict=True))
        self.idle, self.stolen = idle / TICKS / seconds, stolen / TICKS / seconds
        self.seconds = seconds
        for pid, (command, parent, ticks) in after.items():
            used = (ticks - self.before.get(pid, (None, None, 0))[2]) / TICKS / seconds
            if used > 0:
                name = self._group(pid, command, parent, after, backends)
                cores[name] = cores.get(name, 0.0) + used
        return dict(sorted(cores.items(), key=lambda item: -item[1]))

    def _group(self, pid, command, parent, processes, backends) -> str:
        for candidate in (pid, parent):
            if candidate in self.groups:
                return f"gunicorn {self.groups[candidate]}"
        if pid in self.extra:
            return self.extra[pid]
        if pid == os.getpid():
            return "page users (bench)"
        if command.startswith("postgres"):
            app_name = backends.get(pid)
            return f"postgres for {app_name}" if app_name else "postgres (own processes)"
        if "redis-server" in command:
            return "redis"
        # Anything else on the machine, by program name: what disturbs a measurement is seen.
        return f"other ({Path(command.split()[0]).name[:20]})" if command else "other"


def show(cores: dict[str, float], share: CpuShare) -> None:
    shown = ", ".join(f"{name} {used:.2f}" for name, used in cores.items() if used >= 0.01)
    used = sum(cores.values())
    # Processes that started and ended inside the measurement are gone from /proc by its end.
    unseen = max(0.0, os.cpu_count() - share.idle - share.stolen - used)
    print(f"   CPU in cores (of {os.cpu_count()}): idle {share.idle:.2f}, stolen by the host {share.stolen:.2f}, "
          f"by processes gone before the end {unseen:.2f}, used {used:.2f}: {shown}")
