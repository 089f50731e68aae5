"""Pages benchmark: every list, dashboard and export per role, at 1 M and at 5 M clicks, side by side.

    .venv/bin/python bench/pages.py [--requests 20] [--rounds 2]

Needs two Postgres databases filled by `flask demo generate` with the same shape and different numbers
of clicks (see bench/README.md). What it prints: server-side milliseconds (the app in-process:
routing, queries, templates; no network, no gunicorn) for each page, p50 and p95 at each size, and
the ratios of the 5 M figures to the 1 M ones (p50 ×, p95 ×; the p50 ratio is the steadier when
other processes share the machine). Targets: p95 < 100 ms at 5 M (dashboards < 50 ms) and a
ratio <= 1.2: a page must not slow down as clicks pile up.
"""
import argparse
import gc
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATE = ("flask demo generate --affiliates 1000 --campaigns 50 --links 10000 --clicks {clicks} "
            "--conversions 20000 --days 365")
BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small-url", default=os.environ.get("BENCH_SMALL_URL", BASE + "bench_pages_1m"),
                        help="database with about 1 M clicks")
    parser.add_argument("--large-url", default=os.environ.get("BENCH_LARGE_URL", BASE + "bench_pages_5m"),
                        help="database with about 5 M clicks")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page and size in each round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds; the sizes take turns within each")
    parser.add_argument("--only", default="", help="measure only pages whose name contains this")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1"),
                        help="Redis for the analytics cache (its cached figures are deleted between the sizes)")
    parser.add_argument("--no-cache", action="store_true", help="analytics cache off: every figure computed")
    return parser.parse_args()


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def separate_cache_versions(sites: dict) -> None:
    """The analytics cache keys carry the rollup's version: the two databases must not share one."""
    versions = {label: site.rollup_version() for label, site in sites.items()}
    if len(set(versions.values())) < len(versions):
        label, site = list(sites.items())[-1]
        print(f"{label}: rollup version moved from {versions[label]} to {site.bump_rollup_version()} so the "
              f"two databases' cached figures cannot be mistaken for each other")


def main() -> int:
    args = parse_args()
    # Production's page settings: the statement time limit and the analytics cache on (or, with
    # --no-cache, every figure computed on every request: the cache's cold case).
    os.environ.update(APP_ENV="development", LOG_LEVEL="WARNING", REDIS_URL="" if args.no_cache else args.redis_url,
                      ANALYTICS_CACHE="false" if args.no_cache else "true")
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    from pages_support import Site  # noqa: E402 (after the environment is set)

    sites = {"1M": Site(args.small_url, GENERATE.format(clicks=1_000_000)),
             "5M": Site(args.large_url, GENERATE.format(clicks=5_000_000))}
    # As gunicorn.conf.py does in each worker once the app is loaded: what lives as long as the
    # process stays out of the collector's full passes.
    gc.freeze()
    print(f"load before: {load()}")
    for label, site in sites.items():
        print(f"{label}: {site.describe()}")
    # A warm worker: every page asked for once, then what the requests built for good (compiled
    # statements and templates, locale data) frozen too, as app/warm_freeze.py does at its marks.
    for role, name, kind, _url in sites["1M"].pages():
        for site in sites.values():
            if kind != "file":
                site.get(role, site.url_of(role, name))
    gc.collect()
    gc.freeze()
    pages = [page for page in sites["1M"].pages() if args.only in page[1]]
    timings = {(label, role, name): [] for label in sites for role, name, _kind, _url in pages}
    separate_cache_versions(sites)
    started = time.monotonic()
    for round_number in range(args.rounds):
        for role, name, kind, _url in pages:
            urls = {label: site.url_of(role, name) for label, site in sites.items()}
            for label, site in sites.items():
                site.get(role, urls[label])  # warm: templates compiled, connections open, figures cached
            # One request at each size in turn, so a neighbour's load falls on both sizes alike.
            for _ in range(max(2, args.requests // 5) if kind == "file" else args.requests):
                for label, site in sites.items():
                    timings[(label, role, name)].append(site.timed(role, urls[label], whole=kind == "file"))
        print(f"round {round_number + 1} done in {time.monotonic() - started:.0f} s, load: {load()}", flush=True)

    mode = "analytics cache off: every figure computed" if args.no_cache else "analytics cache on, warm"
    print(f"\nserver-side milliseconds per request ({mode}; an export until its first bytes)")
    header = (f"{'role':<10}{'page':<36}{'1M p50':>8}{'1M p95':>8}{'5M p50':>8}{'5M p95':>8}{'p50 ×':>7}{'p95 ×':>7}"
              "  target")
    print(header)
    print("-" * len(header))
    misses = 0
    for role, name, kind, _url in pages:
        small, large = timings[("1M", role, name)], timings[("5M", role, name)]
        ratio = percentile(large, .95) / percentile(small, .95)
        limit = {"dashboard": 50, "file": None}.get(kind, 100)
        ok = (limit is None or percentile(large, .95) < limit) and ratio <= 1.2
        misses += not ok
        print(f"{role:<10}{name:<36}{statistics.median(small):>8.1f}{percentile(small, .95):>8.1f}"
              f"{statistics.median(large):>8.1f}{percentile(large, .95):>8.1f}"
              f"{statistics.median(large) / statistics.median(small):>7.2f}{ratio:>7.2f}"
              f"  {'ok' if ok else 'MISSED'} ({f'p95 < {limit} ms, ' if limit else ''}ratio <= 1.2)")
    print(f"\n{len(pages) - misses} of {len(pages)} pages met the targets.   load after: {load()}")
    for site in sites.values():
        site.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
