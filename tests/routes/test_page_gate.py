"""The page gate: at most PAGE_CONCURRENCY pages at once across processes, a 503 after waiting too long."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app import config as settings
from app.page_gate import Slots

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def gated(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CONCURRENCY", 1)
    monkeypatch.setitem(app.config, "PAGE_WAIT_SECONDS", 0.0)
    monkeypatch.setitem(app.config, "PAGE_SLOTS_DIR", str(tmp_path / "slots"))
    return Slots(tmp_path / "slots", 1)


class FakeTime:
    """A clock that moves only when the gate sleeps."""

    def __init__(self, on_sleep=None):
        self.now, self.slept, self.on_sleep = 100.0, [], on_sleep

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        if self.on_sleep:
            self.on_sleep()


def test_slots_are_shared_by_processes(tmp_path):
    """Another process holding both slots leaves none here; when it exits, its slots come back."""
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from app.page_gate import Slots
            slots = Slots({str(tmp_path)!r}, 2)
            held = [slots.try_take(), slots.try_take()]
            print("held" if None not in held and slots.try_take() is None else "failed", flush=True)
            sys.stdin.readline()
        """)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        slots = Slots(tmp_path, 2)
        assert slots.try_take() is None
    finally:
        holder.communicate("done\n", timeout=60)
    first, second = slots.try_take(), slots.try_take()
    assert first is not None and second is not None and slots.try_take() is None
    Slots.give_back(first)
    third = slots.try_take()
    assert third is not None
    Slots.give_back(second)
    Slots.give_back(third)


def test_threads_of_one_process_count_separately(tmp_path):
    slots = Slots(tmp_path, 1)
    held = slots.try_take()
    assert held is not None and slots.try_take() is None  # a second open of the same file is refused too
    Slots.give_back(held)


def test_a_page_waits_until_the_deadline_then_gives_up(tmp_path):
    slots = Slots(tmp_path, 1)
    held = slots.try_take()
    time = FakeTime()
    assert slots.take(2.0, clock=time.clock, sleep=time.sleep) is None
    assert sum(time.slept) == pytest.approx(2.0) and max(time.slept) <= 0.05
    Slots.give_back(held)


def test_a_waiting_page_gets_a_slot_given_back_meanwhile(tmp_path):
    slots = Slots(tmp_path, 1)
    held = [slots.try_take()]

    def give_back():
        if held:
            Slots.give_back(held.pop())

    time = FakeTime(on_sleep=give_back)
    taken = slots.take(10.0, clock=time.clock, sleep=time.sleep)
    assert taken is not None and len(time.slept) == 1
    Slots.give_back(taken)


def test_a_page_that_cannot_get_its_turn_answers_503_and_others_pass(gated, client, login_as):
    login_as("admin")
    assert client.get("/conversions/").status_code == 200  # the slot is given back after each page
    assert client.get("/conversions/").status_code == 200
    held = gated.try_take()
    try:
        busy = client.get("/conversions/")
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
        assert "could not get its turn" in busy.get_data(as_text=True)
        assert client.get("/track/health").status_code == 200  # tracking never waits at the gate
    finally:
        Slots.give_back(held)
    assert client.get("/conversions/").status_code == 200


def test_a_failing_page_gives_its_slot_back(gated, client, login_as, monkeypatch):
    from app.services.conversions import click_lists

    login_as("admin")

    def broken(*args, **kwargs):
        raise RuntimeError("broken list")

    monkeypatch.setattr(click_lists, "campaign_clicks", broken)
    assert client.get("/conversions/campaign-clicks").status_code == 500
    monkeypatch.undo()
    held = gated.try_take()
    assert held is not None
    Slots.give_back(held)


def test_with_no_bound_nothing_waits(app, client, login_as, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "PAGE_CONCURRENCY", 0)
    monkeypatch.setitem(app.config, "PAGE_SLOTS_DIR", str(tmp_path / "unused"))
    login_as("admin")
    assert client.get("/conversions/").status_code == 200
    assert not (tmp_path / "unused").exists()


@pytest.mark.parametrize(("name", "value"), [("PAGE_CONCURRENCY", "two"), ("PAGE_CONCURRENCY", "-1"),
                                             ("PAGE_CONCURRENCY", "1.5"), ("PAGE_WAIT_SECONDS", "soon"),
                                             ("PAGE_WAIT_SECONDS", "-3"), ("PAGE_WAIT_SECONDS", "nan"),
                                             ("ANALYTICS_LIVE_SECONDS", "inf")])
def test_settings_refuse_what_is_not_a_count_or_seconds(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    read = settings._whole if name == "PAGE_CONCURRENCY" else settings._seconds
    with pytest.raises(ValueError, match=name):
        read(name, 1)


def test_settings_read_counts_and_seconds(monkeypatch):
    monkeypatch.setenv("PAGE_CONCURRENCY", " 3 ")
    monkeypatch.setenv("PAGE_WAIT_SECONDS", "2.5")
    assert settings._whole("PAGE_CONCURRENCY", 2) == 3
    assert settings._seconds("PAGE_WAIT_SECONDS", 15.0) == 2.5
    monkeypatch.delenv("PAGE_CONCURRENCY")
    assert settings._whole("PAGE_CONCURRENCY", 2) == 2
    assert settings.Config.PAGE_CONCURRENCY == max(1, len(os.sched_getaffinity(0)) // 2)  # half the cores
    assert settings.TestConfig.PAGE_CONCURRENCY == 0
