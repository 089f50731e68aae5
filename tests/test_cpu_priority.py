"""CPU_PRIORITY: the web role's processes yield the CPU to the click path; the entry point sets it per role."""
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app import cpu_priority

ROOT = Path(__file__).resolve().parent.parent


def test_the_setting_is_read_or_refused():
    assert cpu_priority.parse(None) == "normal"
    assert cpu_priority.parse(" Idle ") == "idle"
    assert cpu_priority.parse("low") == "low"
    with pytest.raises(ValueError, match="CPU_PRIORITY must be one of normal, low, idle"):
        cpu_priority.parse("lowest")


def test_normal_changes_nothing():
    before = os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0)
    assert cpu_priority.apply("normal") == []
    assert (os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0)) == before


def lowered(priority: str, *, own_session: bool) -> dict:
    """What a fresh process (like gunicorn's master) and a child it forks end up with."""
    script = textwrap.dedent(f"""
        import os
        from app.cpu_priority import apply
        done = apply({priority!r})
        child = os.fork()
        if child == 0:
            print(os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0) == os.SCHED_IDLE, flush=True)
            os._exit(0)
        os.waitpid(child, 0)
        print("|".join(done))
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                         start_new_session=own_session).stdout.splitlines()
    nice, idle = out[0].split()
    return {"nice": int(nice), "idle": idle == "True", "done": out[1].split("|")}


def test_low_is_the_lowest_nice_and_the_workers_inherit_it():
    result = lowered("low", own_session=False)
    assert result["nice"] == 19 and not result["idle"]
    assert "nice 19" in result["done"] and "autogroup nice 19" not in result["done"]  # a shared session is left


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="Linux only")
def test_idle_runs_on_cpu_time_nobody_else_wants():
    result = lowered("idle", own_session=False)
    assert result["idle"] and result["nice"] == 19 and "SCHED_IDLE" in result["done"]


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="no autogroup scheduling here")
def test_a_master_that_leads_its_session_lowers_its_whole_scheduling_group():
    assert "autogroup nice 19" in lowered("low", own_session=True)["done"]


@pytest.fixture
def fake_commands(tmp_path):
    """gunicorn and flask stand-ins that print what they were started with."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("gunicorn", "flask"):
        path = folder / name
        path.write_text(f'#!/bin/sh\necho "{name} CPU_PRIORITY=${{CPU_PRIORITY:-unset}} $*"\n')
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return folder


def entrypoint(fake_commands, tmp_path, *args, **env) -> str:
    environment = {"PATH": f"{fake_commands}:/usr/bin:/bin", "MIGRATE_ON_START": "0",
                   "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), **env}
    return subprocess.run(["sh", str(ROOT / "docker" / "entrypoint.sh"), *args], env=environment,
                          capture_output=True, text=True, check=True).stdout


def test_the_web_role_serves_pages_at_idle_priority_unless_told_otherwise(fake_commands, tmp_path):
    out = entrypoint(fake_commands, tmp_path, "web")
    assert "gunicorn CPU_PRIORITY=idle wsgi:app" in out and "--bind 0.0.0.0:8000" in out
    assert "CPU_PRIORITY=normal" in entrypoint(fake_commands, tmp_path, "web", WEB_CPU_PRIORITY="normal")


def test_the_track_role_keeps_normal_priority_whatever_the_environment_says(fake_commands, tmp_path):
    out = entrypoint(fake_commands, tmp_path, "track", CPU_PRIORITY="idle")
    assert "gunicorn CPU_PRIORITY=normal wsgi:app" in out and "--bind 0.0.0.0:8001" in out
