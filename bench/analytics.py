"""Analytics benchmark: every analytics page and dashboard per role, from the rollup and from raw rows.

    .venv/bin/python bench/analytics.py [--requests 20] [--raw-requests 3]

Needs Postgres holding a year of generated traffic and Redis. See bench/README.md for what it does.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATE = ("flask demo generate --affiliates 1000 --campaigns 50 --links 10000 --clicks 10000000 "
            "--conversions 200000 --days 365")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_analytics"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"))
    parser.add_argument("--requests", type=int, default=20, help="requests per page, warm and cold each")
    parser.add_argument("--raw-requests", type=int, default=3, help="requests per page computed from raw rows")
    parser.add_argument("--new-clicks", type=int, default=1_000_000, help="clicks added to time one rollup run")
    parser.add_argument("--skip-rebuild", action="store_true", help="keep the rollup as it is (no full rebuild)")
    return parser.parse_args()


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def main() -> int:
    args = parse_args()
    os.environ.update(DATABASE_URL=args.database_url, REDIS_URL=args.redis_url, APP_ENV="development",
                      LOG_LEVEL="WARNING")
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    from analytics_support import Bench  # noqa: E402 (after the environment is set)

    bench = Bench(args)
    try:
        return _measure(bench, args)
    finally:
        bench.clean_up()


def _measure(bench, args) -> int:
    print(f"load before: {load()}")
    bench.check_data(GENERATE)
    if not args.skip_rebuild:
        seconds = bench.rebuild()
        print(f"\nfull rebuild of the rollup from raw rows: {seconds:.1f} s")
    bench.print_sizes()
    print(f"\nrollup of {args.new_clicks:,} new clicks: {bench.fold_new_clicks(args.new_clicks):.1f} s"
          f"  (target < 10 s)   load: {load()}")
    print("\npages, server side (in-process test client: routing, queries, templates), milliseconds")
    header = f"{'role':<10}{'page':<34}{'cold p50':>9}{'cold p95':>9}{'warm p50':>9}{'warm p95':>9}" \
             f"{'raw p50':>10}{'raw p95':>10}{'raw/cold':>9}"
    print(header)
    print("-" * len(header))
    for role, name, url in bench.pages():
        cold = bench.timings(role, url, args.requests, cold=True)
        warm = bench.timings(role, url, args.requests, cold=False)
        raw = bench.timings(role, url, args.raw_requests, cold=True, raw=True) if args.raw_requests else [0.0]
        ratio = statistics.median(raw) / statistics.median(cold) if statistics.median(cold) else 0
        print(f"{role:<10}{name:<34}{statistics.median(cold):>9.0f}{percentile(cold, .95):>9.0f}"
              f"{statistics.median(warm):>9.0f}{percentile(warm, .95):>9.0f}"
              f"{statistics.median(raw):>10.0f}{percentile(raw, .95):>10.0f}{ratio:>8.0f}x", flush=True)
    print(f"\ntargets: p95 < 50 ms warm, < 250 ms cold.   load after: {load()}")
    return 0


if __name__ == "__main__":
    start = time.monotonic()
    code = main()
    print(f"({time.monotonic() - start:.0f} s in all)")
    sys.exit(code)
