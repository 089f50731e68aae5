"""Click path benchmark: `/r/<code>` under gunicorn against a bare Flask 302 in the same run.

    .venv/bin/python bench/clicks.py [--duration 15] [--failover]
    .venv/bin/python bench/clicks.py --links 10000 [--spread zipf|uniform|both]

Needs Postgres, Redis and wrk (`apt-get install wrk`). See bench/README.md for what it does.
"""
import argparse
import itertools
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import (  # noqa: E402
    ClickCounter,
    TcpProxy,
    cpu_seconds,
    free_port,
    run_measured,
    run_wrk,
    start,
    start_redis,
    stop,
    wait_until_serving,
)

ROOT = Path(__file__).resolve().parent.parent
BARE, CEILING, CLICK = "bare Flask 302 + cookie", "app, redirect-only view", "/r/<code> (recording)"
# Paths sampled per spread of the clicks over the links; wrk requests them in turn.
SAMPLES = 200_000
BIN = Path(sys.executable).parent
SEED = """
import secrets
from app import create_app
from app.extensions import db
from app.models.campaigns import Campaign, Membership
from app.models.tracking import Link
from app.services.accounts import accounts

app = create_app()
with app.app_context():
    tag = secrets.token_hex(4)
    merchant = accounts.create_user(f"bench-merchant-{tag}@example.com", "bench password 1", "merchant",
                                    "Bench merchant", company_name="Bench shop", website="https://shop.example")
    affiliate = accounts.create_user(f"bench-affiliate-{tag}@example.com", "bench password 1", "affiliate",
                                     "Bench affiliate")
    campaign = Campaign(merchant_id=merchant.id, name=f"Bench {tag}", landing_url="https://shop.example/landing",
                        allowed_hosts="shop.example", commission_type="percent", commission_rate=10,
                        currency="VND", attribution_days=30)
    db.session.add(campaign)
    db.session.flush()
    db.session.add(Membership(campaign_id=campaign.id, affiliate_id=affiliate.id, status="approved"))
    link = Link(code=f"bench{tag}", campaign_id=campaign.id, affiliate_id=affiliate.id)
    db.session.add(link)
    db.session.commit()
    print(link.code, link.id)
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_clicks"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL"),
                        help="a Redis to use (emptied!); default: one of the benchmark's own, with AOF every second")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=3, help="bare/app measurements, alternated")
    parser.add_argument("--log-level", default="INFO", help="the app's LOG_LEVEL (production logs every request)")
    parser.add_argument("--failover", action="store_true",
                        help="also measure with Redis unreachable, and with Redis and Postgres unreachable")
    parser.add_argument("--links", type=int, default=1,
                        help="follow this many distinct links (1: one link, the best case for any cache)")
    parser.add_argument("--spread", choices=("zipf", "uniform", "both"), default="both",
                        help="with --links: clicks spread by Zipf's law (a few links take most), evenly, or both")
    parser.add_argument("--zipf-exponent", type=float, default=1.0)
    return parser.parse_args()


def ensure_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    conninfo = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(args, env) -> list[str]:
    """Migrate, empty the benchmark's Redis and return the codes of the links to follow."""
    ensure_database(args.database_url)
    migrated = subprocess.run([BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True)
    if migrated.returncode:
        raise SystemExit(f"flask db upgrade failed:\n{migrated.stderr}")
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    if args.links > 1:
        return many_links(args, env)
    out = subprocess.run([BIN / "python", "-c", SEED], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return [out.stdout.split()[-2]]


def many_links(args, env) -> list[str]:
    """The newest `--links` links of the database, made first by `flask demo generate` if there are fewer
    (a programme of one affiliate per ten links, one campaign per 200; some paused, ended or archived,
    as in real ones: those redirect without earning)."""
    import psycopg

    conninfo = args.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn:
        have = conn.execute("SELECT count(*) FROM links").fetchone()[0]
    if have < args.links:
        print(f"generating a programme with {args.links} links (flask demo generate) ...", flush=True)
        generated = subprocess.run(
            [BIN / "flask", "demo", "generate", "--affiliates", str(max(10, args.links // 10)),
             "--campaigns", str(max(1, args.links // 200)), "--links", str(args.links), "--clicks", "0",
             "--conversions", "0", "--days", "30", "--seed", str(secrets.randbelow(10**9))],
            cwd=ROOT, env=env, capture_output=True, text=True)
        if generated.returncode:
            raise SystemExit(f"flask demo generate failed:\n{generated.stderr[-2000:]}")
    with psycopg.connect(conninfo) as conn:
        return [row[0] for row in conn.execute("SELECT code FROM links ORDER BY id DESC LIMIT %s", (args.links,))]


def write_paths(codes: list[str], spread: str, exponent: float, folder: Path) -> str:
    """A file of SAMPLES codes drawn by `spread`; the links' ranks are shuffled, so the hot ones are anywhere."""
    rng = random.Random(7)
    ranked = codes[:]
    rng.shuffle(ranked)
    if spread == "zipf":
        weights = list(itertools.accumulate(1 / rank ** exponent for rank in range(1, len(ranked) + 1)))
        sample = rng.choices(ranked, cum_weights=weights, k=SAMPLES)
    else:
        sample = [ranked[i % len(ranked)] for i in range(SAMPLES)]
        rng.shuffle(sample)
    path = folder / f"paths-{spread}.txt"
    path.write_text("\n".join(sample) + "\n")
    return str(path)


def gunicorn(target: str, port: int, workers: int, env, log, pythonpath=None):
    # As in production (docker/entrypoint.sh, README): sync workers, the app built once with --preload.
    command = [BIN / "gunicorn", "--workers", str(workers), "--worker-class", "sync", "--preload",
               "--bind", f"127.0.0.1:{port}", "--no-control-socket", target]
    if pythonpath:
        command[1:1] = ["--pythonpath", str(pythonpath)]
    return start(command, cwd=ROOT, env=env, log=log)


def show(name: str, result: dict, baseline: dict | None = None) -> None:
    share = f"  {result['rps'] / baseline['rps']:6.1%} of bare" if baseline else ""
    print(f"  {name:<34} {result['rps']:7.0f} req/s  p50 {result['p50']:6.2f} ms  p99 {result['p99']:6.2f} ms"
          f"  {result['cpu_us']:5.0f} us CPU/req  {result['requests']:6d} answered, {result['errors']} errors{share}")


def postgres_pids() -> list[int]:
    found = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


def store_cpu_seconds(redis_pid: int | None) -> dict[str, float]:
    """CPU used so far by the benchmark's Redis and by every Postgres process (those that ended meanwhile
    are not counted: the drain keeps its connection)."""
    figures = {"Postgres": 0.0}
    for pid in postgres_pids():
        try:
            figures["Postgres"] += cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            pass
    if redis_pid:
        figures["Redis"] = cpu_seconds(redis_pid)
    return figures


def measure(args, counter, drain, servers, wrk, redis_pid: int | None = None) -> list[dict]:
    """Alternate the servers, so a neighbour's load hits them alike; then check every click arrived.

    `servers`: name -> (url, gunicorn process, paths or None); the click route's entries start with CLICK.
    """
    for url, _, paths in servers.values():
        run_wrk(url, 3, paths=paths, **wrk)  # warm-up: link snapshots, connections
    counter.wait_for_drain()
    rows_before, added_before, cpu_before = counter.rows(), counter.entries_added(), cpu_seconds(drain.pid)
    transactions_before = counter.transactions()
    stores_before = store_cpu_seconds(redis_pid)
    print(f"\nNormal path (Redis stream, drain process into Postgres); {uptime()}")
    results = {name: [] for name in servers}
    for n in range(1, args.rounds + 1):
        print(f" round {n} (load average {os.getloadavg()[0]:.1f})")
        for name, (url, server, paths) in servers.items():
            results[name].append(run_measured(url, server.pid, args.duration, paths=paths, **wrk))
            show(name, results[name][-1], None if name == BARE else results[BARE][-1])
    drained_in = counter.wait_for_drain()
    drain_cpu = cpu_seconds(drain.pid) - cpu_before
    stores = {name: seconds - stores_before.get(name, 0.0) for name, seconds in store_cpu_seconds(redis_pid).items()}
    time.sleep(1.5)  # Postgres publishes its transaction counts with a little delay
    transactions = counter.transactions() - transactions_before
    rows, added = counter.rows() - rows_before, counter.entries_added() - added_before
    bares = results[BARE]
    print(f" summary (medians over the rounds; {uptime()}):")
    for name in servers:
        if name == BARE:
            continue
        shares = [r["rps"] / b["rps"] for r, b in zip(results[name], bares, strict=True)]
        cpu = statistics.median(r["cpu_us"] for r in results[name])
        print(f"  {name:<34} {statistics.median(shares):6.1%} of bare req/s (rounds: "
              f"{', '.join(f'{x:.0%}' for x in shares)}); CPU/click {cpu:.0f} us = "
              f"{statistics.median(r['cpu_us'] for r in bares) / cpu:.0%} of bare's efficiency; "
              f"p99 {statistics.median(r['p99'] for r in results[name]):.1f} ms "
              f"(worst round {max(r['p99'] for r in results[name]):.1f} ms)")
    answered = sum(r["requests"] for name in servers if name.startswith(CLICK) for r in results[name])
    print(f" clicks: {answered} redirects answered to wrk; {added} recorded by the web workers (wrk does not "
          f"count requests in flight when it stops); {rows} in Postgres -> lost: {added - rows}")
    print(f" database transactions meanwhile: {transactions} ({transactions / max(added, 1) * 1000:.1f} per 1,000 "
          f"clicks, the drain's batches included)")
    per_click = ", ".join(f"{name} {seconds / max(added, 1) * 1e6:.0f} us" for name, seconds in
                          {"drain": drain_cpu, **stores}.items())
    print(f" CPU per recorded click outside the web workers (what a bare handler does not spend): {per_click}"
          f" (Postgres: every postgres process of the machine)")
    busy = args.rounds * args.duration * len(servers)
    print(f" the drain caught up {drained_in:.1f} s after the load and used {drain_cpu:.1f} s of CPU in "
          f"~{busy} s ({drain_cpu / busy:.1%} of a core)")
    return bares


def uptime() -> str:
    return "uptime: " + subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def measure_failover(args, env, counter, code, wrk, logs, bares) -> None:
    """Redis unreachable (a closed port): every click is committed straight to Postgres, synchronously.

    Then Redis and Postgres both unreachable (the database behind a proxy the benchmark cuts once the
    workers know the link): every click is appended to the spool and flushed to disk before the redirect.
    """
    bare = {"rps": statistics.median(b["rps"] for b in bares)}
    closed_redis = f"redis://127.0.0.1:{free_port()}/0"
    port = free_port()
    server = gunicorn("wsgi:app", port, args.workers, dict(env, REDIS_URL=closed_redis), logs / "app-failover.log")
    try:
        url = f"http://127.0.0.1:{port}/r/{code}"
        wait_until_serving(url)
        run_wrk(url, 3, **wrk)
        before = counter.rows()
        print(f"\nFailover: Redis down (a closed port); load average {os.getloadavg()[0]:.1f}:")
        result = run_measured(url, server.pid, args.duration, **wrk)
        time.sleep(1)  # requests in flight when wrk stopped
        stored = counter.rows() - before
        show("/r/<code> (Redis down)", result, bare)
        print(f" clicks: {result['requests']} redirects answered, {stored} committed to Postgres -> lost: "
              f"{max(0, result['requests'] - stored)} (the share compares with the median bare run)")
    finally:
        stop(server)

    database = urlsplit(args.database_url.replace("postgresql+psycopg://", "postgresql://"))
    proxy = TcpProxy(database.port or 5432)
    proxy.start()
    spool = logs / "spool-both-down"
    down_env = dict(env, REDIS_URL=closed_redis, CLICK_SPOOL_DIR=str(spool),
                    DATABASE_URL=args.database_url.replace(database.netloc, f"{database.username or 'postgres'}@"
                                                           f"127.0.0.1:{proxy.port}"))
    port = free_port()
    server = gunicorn("wsgi:app", port, args.workers, down_env, logs / "app-both-down.log")
    try:
        url = f"http://127.0.0.1:{port}/r/{code}"
        wait_until_serving(url)
        run_wrk(url, 3, **wrk)  # every worker looks the link up once while the database still answers
        time.sleep(1)
        proxy.cut()
        before = counter.rows()
        print(f"\nFailover: Redis and Postgres down (spool file, fsync per click); load average "
              f"{os.getloadavg()[0]:.1f}:")
        result = run_measured(url, server.pid, args.duration, **wrk)
        time.sleep(1)
    finally:
        stop(server)
    spooled = sum(1 for p in spool.glob("clicks-*") for _ in p.open("rb"))
    show("/r/<code> (both down)", result, bare)
    replay = subprocess.run([BIN / "flask", "tracking", "drain", "--once"], cwd=ROOT, capture_output=True, text=True,
                            env=dict(env, CLICK_SPOOL_DIR=str(spool)))
    stored = counter.rows() - before
    print(f" clicks: {result['requests']} redirects answered, {spooled} in the spool; after the database came "
          f"back the drain stored {stored} -> lost: {max(0, result['requests'] - stored)}"
          + ("" if replay.returncode == 0 else f" (drain failed: {replay.stderr[-500:]})"))


def main() -> int:
    args = parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed. On Debian/Ubuntu: sudo apt-get install wrk", file=sys.stderr)
        return 2
    logs = Path(tempfile.mkdtemp(prefix="bench-clicks-"))
    processes = []
    redis_pid = None
    if not args.redis_url:
        (logs / "redis").mkdir()
        redis_server, args.redis_url = start_redis(logs / "redis", logs / "redis.log")
        processes.append(redis_server)
        redis_pid = redis_server.pid
    env = dict(os.environ, APP_ENV="production", SECRET_KEY=secrets.token_urlsafe(32), FLASK_APP="wsgi",
               DATABASE_URL=args.database_url, REDIS_URL=args.redis_url, LOG_LEVEL=args.log_level,
               LOG_FILE=str(logs / "app-requests.log"), CLICK_SPOOL_DIR=str(logs / "spool"))
    codes = setup(args, env)
    code = codes[0]
    wrk = dict(threads=args.threads, connections=args.connections)
    counter = ClickCounter(args.database_url, args.redis_url)
    app_port, bare_port, ceiling_port = free_port(), free_port(), free_port()
    try:
        drain = start([BIN / "flask", "tracking", "drain"], cwd=ROOT, env=env, log=logs / "drain.log")
        processes.append(drain)
        app_server = gunicorn("wsgi:app", app_port, args.workers, env, logs / "app.log")
        bare_server = gunicorn("bare_app:app", bare_port, args.workers, env, logs / "bare.log", ROOT / "bench")
        ceiling_server = gunicorn("app_ceiling:app", ceiling_port, args.workers, env, logs / "ceiling.log",
                                  ROOT / "bench")
        processes += [app_server, bare_server, ceiling_server]
        bare_url = f"http://127.0.0.1:{bare_port}/r/{code}"
        ceiling_url = f"http://127.0.0.1:{ceiling_port}/bench/redirect-only/{code}"
        app_url = f"http://127.0.0.1:{app_port}/r/{code}"
        if len(codes) == 1:
            servers = {BARE: (bare_url, bare_server, None), CEILING: (ceiling_url, ceiling_server, None),
                       CLICK: (app_url, app_server, None)}
            spreads = "one link"
        else:
            chosen = ("zipf", "uniform") if args.spread == "both" else (args.spread,)
            files = {spread: write_paths(codes, spread, args.zipf_exponent, logs) for spread in chosen}
            first = files[chosen[0]]
            servers = {BARE: (bare_url, bare_server, (first, "/r/")),
                       CEILING: (ceiling_url, ceiling_server, (first, "/bench/redirect-only/"))}
            for spread in chosen:
                servers[f"{CLICK} {spread}"] = (app_url, app_server, (files[spread], "/r/"))
            spreads = (f"{len(codes)} links, " + " and ".join(
                f"Zipf (s={args.zipf_exponent})" if c == "zipf" else "uniform" for c in chosen))
        for url, _, _ in servers.values():
            wait_until_serving(url)
        print(f"gunicorn {args.workers} sync workers (--preload); wrk -t{args.threads} -c{args.connections} "
              f"-d{args.duration}s over loopback; {spreads}; {os.cpu_count()} CPUs; logs in {logs}")
        bares = measure(args, counter, drain, servers, wrk, redis_pid)
        if args.failover:
            stop(processes.pop(processes.index(app_server)))
            measure_failover(args, env, counter, code, wrk, logs, bares)
    finally:
        for process in reversed(processes):
            stop(process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
