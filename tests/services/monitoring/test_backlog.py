"""Reading the click backlog and the schedule's intervals."""
import json
import os
import time
from datetime import UTC, datetime, timedelta

import fakeredis

from app.services.monitoring.backlog import cron_interval, spool_backlog, stream_backlog


def test_stream_backlog_counts_entries_and_dates_the_oldest():
    redis = fakeredis.FakeStrictRedis()
    assert stream_backlog(redis, "clicks") == (0, 0.0)
    ten_minutes_ago = int((time.time() - 600) * 1000)
    redis.xadd("clicks", {"c": "{}"}, id=f"{ten_minutes_ago}-0")
    redis.xadd("clicks", {"c": "{}"})
    depth, age = stream_backlog(redis, "clicks")
    assert depth == 2
    assert 595 < age < 660


def test_spool_backlog_counts_waiting_lines_and_the_oldest_click(tmp_path):
    # As the click path writes them: naive times in UTC.
    old = (datetime.now(UTC) - timedelta(minutes=7)).replace(tzinfo=None).isoformat()
    new = datetime.now(UTC).isoformat()
    lines = [json.dumps({"created_at": old}), json.dumps({"created_at": new})]
    (tmp_path / "clicks-11.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "clicks-12.jsonl.99-1.processing").write_text(json.dumps({"created_at": new}) + "\n")
    (tmp_path / "failed-clicks.jsonl").write_text('{"reason": "x", "click": "{}"}\n' * 3)
    waiting, age, set_aside = spool_backlog(str(tmp_path), "failed-clicks.jsonl")
    assert (waiting, set_aside) == (3, 3)
    assert 415 < age < 480


def test_spool_backlog_of_a_missing_folder_is_empty(tmp_path):
    assert spool_backlog(os.path.join(tmp_path, "nowhere"), "failed-clicks.jsonl") == (0, 0.0, 0)


def test_cron_interval():
    assert cron_interval("*/5 * * * *") == 300
    assert cron_interval("0 * * * *") == 3600
    assert cron_interval("30 2 * * *") == 86400
    assert cron_interval("0 9,17 * * *") == 8 * 3600
