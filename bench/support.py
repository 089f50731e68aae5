"""Helpers of the click benchmark: processes, wrk, and counting clicks in Postgres and Redis."""
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

STREAM, GROUP = "clicks", "click-drain"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command, *, cwd, env, log) -> subprocess.Popen:
    handle = open(log, "ab")  # noqa: SIM115 (kept open for the life of the process)
    return subprocess.Popen([str(c) for c in command], cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wait_until_serving(url: str, timeout: float = 30) -> None:
    opener = urllib.request.build_opener(_NoRedirect)
    deadline = time.monotonic() + timeout
    while True:
        try:
            opener.open(urllib.request.Request(url, method="HEAD", headers={"User-Agent": USER_AGENT}), timeout=2)
        except urllib.error.HTTPError as exc:
            if exc.code == 302:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer within {timeout} s (see the logs)")
        time.sleep(0.2)


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


# wrk's script for many links: each request takes the next path of a file (sampled by the benchmark);
# each wrk thread starts at its own place in it.
PATHS_SCRIPT = """
local paths, n, i = {}, 0, 0
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
function init(args)
  for line in io.lines(args[1]) do
    n = n + 1
    paths[n] = args[2] .. line
  end
  i = (offset * 7919) % n
end
function request()
  i = i + 1
  if i > n then i = 1 end
  return wrk.format(nil, paths[i])
end
"""


def run_wrk(url: str, seconds: int, *, threads: int, connections: int, paths: tuple[str, str] | None = None) -> dict:
    """wrk against `url`; with `paths` (a file of codes, one a line, and the path before them) it
    requests those paths in turn instead of the URL's own."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s",
               "-H", f"User-Agent: {USER_AGENT}", url]
    if paths:
        script = os.path.join(os.path.dirname(paths[0]), "paths.lua")
        if not os.path.exists(script):
            with open(script, "w") as f:
                f.write(PATHS_SCRIPT)
        command += ["-s", script, "--", *paths]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    if len(latency) < 2:
        raise SystemExit(f"wrk gave no latencies:\n{out}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": _ms(latency["50"]), "p99": _ms(latency["99"]),
        "errors": (int(bad.group(1)) if bad else 0)
        + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
        "timeouts": int(socket_errors.group(4)) if socket_errors else 0,
    }


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU used so far by a process and its children (a gunicorn master and its workers)."""
    total = cpu_seconds(pid)
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = [int(c) for c in f.read().split()]
    except FileNotFoundError:
        return total
    return total + sum(tree_cpu_seconds(child) for child in children)


def run_measured(url: str, server_pid: int, seconds: int, paths=None, **wrk) -> dict:
    """run_wrk, plus the server's CPU time per answered request (steadier than req/s on a busy machine)."""
    before = tree_cpu_seconds(server_pid)
    result = run_wrk(url, seconds, paths=paths, **wrk)
    result["cpu_us"] = (tree_cpu_seconds(server_pid) - before) / max(result["requests"], 1) * 1e6
    return result


class ClickCounter:
    """Clicks stored in Postgres since the benchmark started, and what the web workers appended to the stream."""

    def __init__(self, database_url: str, redis_url: str):
        import psycopg
        import redis

        self.db = psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        self.redis = redis.Redis.from_url(redis_url)
        self.first_id = self.db.execute("SELECT coalesce(max(id), 0) FROM clicks").fetchone()[0]

    def rows(self) -> int:
        return self.db.execute("SELECT count(*) FROM clicks WHERE id > %s", (self.first_id,)).fetchone()[0]

    def transactions(self) -> int:
        """Transactions of the benchmark's database so far (Postgres publishes them within a second or so)."""
        return self.db.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database "
                               "WHERE datname = current_database()").fetchone()[0]

    def entries_added(self) -> int:
        if not self.redis.exists(STREAM):
            return 0
        return int(self.redis.xinfo_stream(STREAM)["entries-added"])

    def waiting(self) -> int:
        if not self.redis.exists(STREAM):
            return 0
        return self.redis.xlen(STREAM)

    def wait_for_drain(self, timeout: float = 120) -> float:
        """Seconds until the stream is empty (every appended click stored and deleted)."""
        started = time.monotonic()
        while self.waiting() and time.monotonic() - started < timeout:
            time.sleep(0.05)
        return time.monotonic() - started


def start_redis(directory, log) -> tuple[subprocess.Popen, str]:
    """A Redis of the benchmark's own on a free port, persistent as production runs it (AOF every second)."""
    port = free_port()
    process = start(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
                     "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""], cwd=directory, env=None,
                    log=log)
    deadline = time.monotonic() + 30
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"redis://127.0.0.1:{port}/0"
        if time.monotonic() > deadline:
            raise SystemExit("the benchmark's redis-server did not start (see its log)")
        time.sleep(0.05)


class TcpProxy:
    """Forwards a local port to a server; `cut()` makes the server unreachable (refused, open links closed)."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()
        self._listener = None
        self._links: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def cut(self) -> None:
        # shutdown() first: a plain close() would leave the thread blocked in accept() listening on.
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            for link in self._links:
                try:
                    link.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                link.close()
            self._links.clear()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._links += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    @staticmethod
    def _pipe(source, target) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.close()
                except OSError:
                    pass
