"""Private Postgres and Redis servers a test may kill and restart: their own ports, folders and sockets.

The machine's own servers (5432, 6379) serve everybody's tests and are never touched here. Each
server below listens on 127.0.0.1 on a free port chosen at run time and keeps its files in a
temporary folder removed afterwards. Postgres refuses to run as root, so as root its programs run
as the `postgres` OS user through `runuser`.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing answers on port {port} after {timeout} s")


def _postgres_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if found and (Path(found) / "initdb").exists():
            return Path(found)
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if versions:
        return versions[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def require_servers() -> None:
    """Skip the calling test when Postgres' or Redis' server programs are not installed."""
    if _postgres_bindir() is None:
        pytest.skip("needs the Postgres server programs (initdb, pg_ctl)")
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("as root, Postgres must be started as the postgres user with runuser")


class PrivatePostgres:
    """A throw-away Postgres cluster: `start`, `stop(mode)` ("fast", or "immediate" as in a crash), `url`."""

    def __init__(self, root: Path):
        self.bindir = _postgres_bindir()
        self.root = root / "postgres"
        self.data = self.root / "data"
        self.port = free_port()
        self.log = self.root / "server.log"
        self.root.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args) -> None:
        command = [str(self.bindir / program), *map(str, args)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.root, timeout=120)
        if result.returncode:
            raise RuntimeError(f"{program} failed: {result.stderr or result.stdout}\n{self.read_log()}")

    def start(self) -> None:
        # fsync stays on: a crash must lose exactly what a real one would.
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=on"
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def read_log(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass


class PrivateRedis:
    """A Redis server of our own: `start`, `kill` (SIGKILL, as a crash), `client()`, `url`.

    `appendonly` and `appendfsync` choose its persistence; "no" keeps nothing across a restart.
    """

    def __init__(self, root: Path, *, appendonly: str = "yes", appendfsync: str = "everysec"):
        self.dir = root / f"redis-{appendonly}-{appendfsync}"
        self.dir.mkdir(parents=True)
        self.port = free_port()
        self.appendonly, self.appendfsync = appendonly, appendfsync
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
                   "--appendonly", self.appendonly, "--appendfsync", self.appendfsync, "--save", "",
                   "--logfile", str(self.dir / "server.log"), "--daemonize", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        wait_for_port(self.port)
        # Once it answers PING it has loaded its append-only file.
        client = self.client()
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.ping():
                    return
            except Exception:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.05)

    def client(self):
        from redis import Redis

        return Redis(host="127.0.0.1", port=self.port, socket_timeout=5, socket_connect_timeout=2)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def close(self) -> None:
        self.kill()


class Servers:
    """Owns a temporary folder and the servers started in it; leaving the `with` block stops them and removes it."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="affiliate-private-servers-"))
        os.chmod(self.root, 0o755)  # the postgres user walks through it to its own folder
        self.owned: list = []

    def postgres(self) -> PrivatePostgres:
        server = PrivatePostgres(self.root)
        self.owned.append(server)
        return server

    def redis(self, **kwargs) -> PrivateRedis:
        server = PrivateRedis(self.root, **kwargs)
        self.owned.append(server)
        return server

    def close(self) -> None:
        for server in reversed(self.owned):
            server.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
