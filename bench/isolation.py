"""Isolation benchmark: the click redirect alone, then while signed-in users reload the heaviest pages.

    .venv/bin/python bench/isolation.py [--users 4] [--duration 15] [--clicks 1000000]

Needs Postgres, redis-server and wrk. See bench/README.md for what it does.
"""
import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clicks import ensure_database, uptime, write_paths  # noqa: E402
from cpu_share import CpuShare  # noqa: E402
from cpu_share import show as show_cpu  # noqa: E402
from support import ClickCounter, free_port, run_wrk, start, start_redis, stop, wait_until_serving  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The pages that cost most at size (admin): dashboard, clicks list, campaigns, conversions, analytics.
PAGES = ("/home/admin", "/conversions/campaign-clicks", "/campaigns/", "/conversions/", "/analytics/")
MODES = {
    "sync": "one process group, 4 sync workers (pages and clicks share them)",
    "threads": "one process group, 4 workers with page threads and tracking threads",
    "separate": "a track group (2 sync workers) beside a web group (2 workers with threads) started with nice 10",
    "recommended": "a track group (2 sync workers) beside a web group (2 workers with threads) at CPU_PRIORITY "
                   "{priority}, as docker/entrypoint.sh starts them",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_clicks_isolation"))
    parser.add_argument("--clicks", type=int, default=1_000_000,
                        help="clicks of the programme generated when the database has none")
    parser.add_argument("--users", type=int, default=4, help="signed-in admins reloading pages")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--modes", default="sync,threads,separate", help=f"of: {', '.join(MODES)}")
    parser.add_argument("--page-threads", type=int, default=4,
                        help="page threads per worker in the threads and separate modes (WEB_THREADS)")
    parser.add_argument("--web-priority", default="idle", help="CPU_PRIORITY of the web group in the recommended mode")
    parser.add_argument("--page-concurrency", type=int, default=None,
                        help="PAGE_CONCURRENCY in every mode (default: the app's own)")
    parser.add_argument("--live-seconds", type=float, default=None,
                        help="ANALYTICS_LIVE_SECONDS in every mode (default: the app's own)")
    return parser.parse_args()


def setup(args, env) -> tuple[str, list[str]]:
    """Migrate; generate a programme if there is none; return an admin's email and the links' codes."""
    import psycopg

    ensure_database(args.database_url)
    migrated = subprocess.run([BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True)
    if migrated.returncode:
        raise SystemExit(f"flask db upgrade failed:\n{migrated.stderr}")
    conninfo = args.database_url.replace("postgresql+psycopg://", "postgresql://")
    query = "SELECT email FROM users WHERE role = 'admin' AND email LIKE 'admin%%.g%%@example.test' LIMIT 1"
    with psycopg.connect(conninfo) as conn:
        admin = conn.execute(query).fetchone()
    if admin is None:
        print(f"generating a programme with {args.clicks:,} clicks (flask demo generate; minutes) ...", flush=True)
        subprocess.run([BIN / "flask", "demo", "generate", "--affiliates", "1000", "--campaigns", "50", "--links",
                        "10000", "--clicks", str(args.clicks), "--conversions", "20000", "--days", "365"],
                       cwd=ROOT, env=env, check=True)
    with psycopg.connect(conninfo) as conn:
        admin = conn.execute(query).fetchone()[0]
        codes = [row[0] for row in conn.execute("SELECT code FROM links ORDER BY id DESC LIMIT 10000")]
        clicks = conn.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'clicks'").fetchone()[0]
    print(f"database: about {clicks:,} clicks, {len(codes):,} links; pages reloaded: {', '.join(PAGES)}")
    return admin, codes


def catch_up_rollup(env) -> None:
    """Fold the clicks since the last rollup, as production's ten-minute job keeps doing: pages read the
    rollup plus the rows after it, and a database nobody rolled up would make every page count them."""
    folded = subprocess.run([BIN / "flask", "stats", "run"], cwd=ROOT, env=env, capture_output=True, text=True)
    if folded.returncode:
        raise SystemExit(f"flask stats run failed:\n{folded.stderr}")
    print(f"   rollup: {folded.stdout.strip()}")


class PageUsers:
    """`count` signed-in admins, each reloading the pages in turn as fast as they are answered."""

    def __init__(self, base_url: str, email: str, count: int):
        self.base_url, self.email, self.count = base_url, email, count
        self.sessions = [self._signed_in() for _ in range(count)]
        self.stop = threading.Event()
        self.times: list[float] = []
        self.failures: list[str] = []

    def _signed_in(self):
        import requests

        session = requests.Session()
        form = session.get(f"{self.base_url}/auth/sign-in", timeout=30).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        answer = session.post(f"{self.base_url}/auth/sign-in", timeout=30, allow_redirects=False,
                              data={"email": self.email, "password": "demo-password", "csrf_token": token})
        if answer.status_code != 302:
            raise SystemExit(f"sign-in as {self.email} failed: {answer.status_code}")
        return session

    def start(self) -> None:
        self.stop.clear()
        self.times, self.failures = [], []
        self.threads = [threading.Thread(target=self._reload, args=(s, n), daemon=True)
                        for n, s in enumerate(self.sessions)]
        for thread in self.threads:
            thread.start()

    def finish(self) -> dict:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)
        times = sorted(self.times) or [0.0]
        return {"pages": len(self.times), "failures": len(self.failures), "p50": statistics.median(times),
                "p95": times[int(len(times) * 0.95) - 1] if len(times) > 1 else times[0],
                "sample": self.failures[:3]}

    def _reload(self, session, n: int) -> None:
        import requests

        turn = n
        while not self.stop.is_set():
            page = PAGES[turn % len(PAGES)]
            turn += 1
            started = time.perf_counter()
            try:
                answer = session.get(f"{self.base_url}{page}", timeout=30, allow_redirects=False)
                if answer.status_code != 200:
                    self.failures.append(f"{page}: {answer.status_code}")
            except requests.RequestException as exc:
                self.failures.append(f"{page}: {type(exc).__name__}")
            self.times.append((time.perf_counter() - started) * 1000)


def gunicorn(name: str, port: int, workers: int, env, log, *, threads: int = 0, nice: int = 0):
    # Postgres names each backend after its client's PGAPPNAME: the CPU of the queries is told apart by group.
    env = dict(env, PGAPPNAME=name)
    command = [BIN / "gunicorn", "--workers", str(workers), "--preload", "--bind", f"127.0.0.1:{port}",
               "--no-control-socket", "--timeout", "120"]
    if threads:
        command += ["--worker-class", "app.gunicorn_threads.TrackingPoolWorker", "--threads", str(threads)]
    if nice:
        command = ["nice", "-n", str(nice), *command]
    server = start([*command, "wsgi:app"], cwd=ROOT, env=env, log=log)
    server.group_name = name
    return server


def serve(mode: str, env, logs: Path, args) -> tuple[list, str, str]:
    """The gunicorn processes of `mode`, the base URL of pages and that of the redirect."""
    page_threads = args.page_threads
    if mode in ("separate", "recommended"):
        web_port, track_port = free_port(), free_port()
        if mode == "separate":
            web = gunicorn("web", web_port, 2, env, logs / "web-separate.log", threads=page_threads, nice=10)
        else:
            web = gunicorn("web", web_port, 2, dict(env, CPU_PRIORITY=args.web_priority), logs / "web.log",
                           threads=page_threads)
        track = gunicorn("track", track_port, 2, env, logs / f"track-{mode}.log")
        return [web, track], f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{track_port}"
    port = free_port()
    server = gunicorn(mode, port, 4, env, logs / f"{mode}.log", threads=page_threads if mode == "threads" else 0)
    return [server], f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}"


def show(name: str, result: dict, alone: dict | None = None) -> None:
    share = f"  {result['rps'] / alone['rps']:6.1%} of alone" if alone else ""
    print(f"   {name:<28} {result['rps']:7.0f} req/s  p50 {result['p50']:7.2f} ms  p99 {result['p99']:7.2f} ms  "
          f"{result['timeouts']} timeouts, {result['errors']} errors{share}")


def measure(mode: str, args, env, logs: Path, admin: str, paths: str, drain) -> dict:
    catch_up_rollup(env)
    servers, pages_url, track_url = serve(mode, env, logs, args)
    try:
        redirect = f"{track_url}/r/x"
        wait_until_serving(f"{track_url}/r/{Path(paths).read_text().split()[0]}", timeout=120)
        wrk = dict(threads=args.threads, connections=args.connections, paths=(paths, "/r/"))
        run_wrk(redirect, 3, **wrk)  # warm-up: every worker loads the links
        users = PageUsers(pages_url, admin, args.users)
        users.start()  # warm-up of the pages: each user once round
        time.sleep(5)
        users.finish()
        print(f"\n {mode}: {MODES[mode].format(priority=args.web_priority)}; {uptime()}")
        cpu = CpuShare(args.database_url, {s.pid: s.group_name for s in servers}, {drain.pid: "drain"})
        cpu.start()
        alone = run_wrk(redirect, args.duration, **wrk)
        alone_cores = cpu.finish()
        show("redirect alone", alone)
        show_cpu(alone_cores, cpu)
        users.start()
        time.sleep(2)
        cpu.start()
        loaded = run_wrk(redirect, args.duration, **wrk)
        cores = cpu.finish()
        pages = users.finish()
        show(f"redirect + {args.users} users on pages", loaded, alone)
        show_cpu(cores, cpu)
        print(f"   pages meanwhile: {pages['pages']} answered, p50 {pages['p50']:.0f} ms, p95 {pages['p95']:.0f} ms, "
              f"{pages['failures']} failed {pages['sample'] or ''}")
        return {"alone": alone, "loaded": loaded, "pages": pages, "cores": cores}
    finally:
        for server in servers:
            stop(server)


def main() -> int:
    args = parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed. On Debian/Ubuntu: sudo apt-get install wrk", file=sys.stderr)
        return 2
    logs = Path(tempfile.mkdtemp(prefix="bench-isolation-"))
    (logs / "redis").mkdir()
    redis_server, redis_url = start_redis(logs / "redis", logs / "redis.log")
    processes = [redis_server]
    # Plain HTTP on loopback: the session cookie must travel without TLS here.
    env = dict(os.environ, APP_ENV="production", SECRET_KEY=secrets.token_urlsafe(32), FLASK_APP="wsgi",
               DATABASE_URL=args.database_url, REDIS_URL=redis_url, SESSION_COOKIE_SECURE="false",
               LOG_LEVEL="WARNING", LOG_FILE=str(logs / "app-requests.log"), CLICK_SPOOL_DIR=str(logs / "spool"),
               RATE_LIMIT_SIGN_IN="1000 per minute", PAGE_SLOTS_DIR=str(logs / "page-slots"))
    for name, value in (("PAGE_CONCURRENCY", args.page_concurrency), ("ANALYTICS_LIVE_SECONDS", args.live_seconds)):
        if value is not None:
            env[name] = str(value)
    try:
        admin, codes = setup(args, env)
        paths = write_paths(codes, "zipf", 1.0, logs)
        counter = ClickCounter(args.database_url, redis_url)
        drain = start([BIN / "flask", "tracking", "drain"], cwd=ROOT, env=dict(env, PGAPPNAME="drain"),
                      log=logs / "drain.log")
        processes.append(drain)
        print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s over 10,000 links (Zipf); "
              f"{args.users} admins reloading pages; {args.page_threads} page threads per worker; "
              f"PAGE_CONCURRENCY {env.get('PAGE_CONCURRENCY', 'default')}, "
              f"ANALYTICS_LIVE_SECONDS {env.get('ANALYTICS_LIVE_SECONDS', 'default')}; "
              f"{os.cpu_count()} CPUs; logs in {logs}")
        results = {mode: measure(mode, args, env, logs, admin, paths, drain) for mode in args.modes.split(",")}
        counter.wait_for_drain()
        print(f"\nsummary ({uptime()}); target: under load >= 90 % of alone, 0 timeouts")
        for mode, result in results.items():
            share = result["loaded"]["rps"] / result["alone"]["rps"]
            print(f"  {mode:<9} {share:6.1%} of alone; p99 {result['alone']['p99']:.1f} -> "
                  f"{result['loaded']['p99']:.1f} ms; {result['loaded']['timeouts']} timeouts; pages p95 "
                  f"{result['pages']['p95']:.0f} ms ({result['pages']['pages']} answered)")
    finally:
        for process in reversed(processes):
            stop(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
