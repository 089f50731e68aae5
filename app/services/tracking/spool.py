"""The local spool: clicks written to disk while neither Redis nor the database would take them.

A click's line is flushed to the disk (fsync) before the visitor is redirected, and a new spool file's
folder entry too, so a crash of the host right after the redirect keeps the click.

Each web process appends JSON lines to `clicks-<pid>.jsonl` in CLICK_SPOOL_DIR (default
instance/spool). The drain claims a file by renaming it to `*.processing`, stores its lines and
deletes it; a claimed file left behind by a crash is picked up again next time (storing is
idempotent). Lines that can never be stored go to `failed-clicks.jsonl`, kept for a person to look at.
"""
import fcntl
import json
import os
import time
from collections.abc import Iterator

from flask import current_app

FAILED_FILE = "failed-clicks.jsonl"


def spool_dir() -> str:
    return current_app.config.get("CLICK_SPOOL_DIR") or os.path.join(current_app.instance_path, "spool")


def write(line: str) -> None:
    """Append one click (a JSON line) to this process's spool file, on disk when this returns."""
    directory = spool_dir()
    os.makedirs(directory, exist_ok=True)
    append_line(os.path.join(directory, f"clicks-{os.getpid()}.jsonl"), line, durable=True)


def write_failed(line: str | bytes, reason: str) -> None:
    """Keep a click that could not be stored, with the reason, out of the replay."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", "replace")
    directory = spool_dir()
    os.makedirs(directory, exist_ok=True)
    append_line(os.path.join(directory, FAILED_FILE), json.dumps({"reason": reason, "click": line.strip()}))


def append_line(path: str, line: str, *, durable: bool = False) -> None:
    """Append one line with a single unbuffered write, under the lock the replay also takes.

    `durable`: flush the line (and, for a new file, the folder's entry of it) to the disk before returning.
    """
    data = (line + "\n").encode()
    for _ in range(5):
        existed = os.path.exists(path)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            # The drain may have renamed the file between our open and our lock: write to a new one.
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = None
            if current != os.fstat(fd).st_ino:
                continue
            os.write(fd, data)
            if durable:
                os.fsync(fd)
                if not existed:
                    _sync_folder(os.path.dirname(path))
            return
        finally:
            os.close(fd)
    raise OSError(f"could not append to {path}")


def _sync_folder(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def claim_files() -> list[str]:
    """Rename every spool file to a claimed name; returns all claimed files, older leftovers included."""
    directory = spool_dir()
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return []
    claimed = []
    for name in names:
        path = os.path.join(directory, name)
        if name.startswith("clicks-") and name.endswith(".jsonl"):
            target = f"{path}.{os.getpid()}-{time.time_ns()}.processing"
            try:
                os.rename(path, target)
            except FileNotFoundError:  # another drain took it
                continue
            claimed.append(target)
        elif name.startswith("clicks-") and name.endswith(".processing"):
            claimed.append(path)
    return claimed


def read_batches(path: str, size: int) -> Iterator[list[bytes]]:
    """The lines of a claimed file, `size` at a time (nothing if another drain already finished it)."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return
    with handle:
        # A writer that opened the file before the rename finishes its line before we read.
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        batch = []
        for line in handle:
            if line.strip():
                batch.append(line)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch


def finish(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
