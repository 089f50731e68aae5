"""Stripe payout run benchmark: 10,000 approved requests paid in one run, against the stand-in Stripe.

    .venv/bin/python bench/payouts.py [--requests 10000] [--database-url postgresql+psycopg://…/bench_payouts]

Seeds one affiliate per request (one open request per affiliate and currency is a rule of the books),
each with a ready Express account on the stand-in, then runs the daily run in this process, exactly as
a worker does (STRIPE_RUN_CONCURRENCY payouts in flight, `--concurrency`). The stand-in runs in a
process of its own, so its work does not share this one's interpreter. The same-run baseline is the
stand-in alone: the same number of transfers created through the stripe library, one at a time and
`--concurrency` at a time, with nothing else around them. Prints payouts/s for each, the count paid,
the count of transfers the stand-in holds (they must be equal) and the machine's load.
"""
import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.config import Config  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models.common import utcnow  # noqa: E402
from app.models.money import LedgerEntry, PayoutRequest  # noqa: E402
from app.models.stripe_connect import StripeAccount, StripePayoutRun  # noqa: E402
from app.models.users import User  # noqa: E402
from app.services.stripe_connect import client, runs  # noqa: E402
from tests.fakes.stripe_api.fake import FakeStripe  # noqa: E402

AMOUNT = 2_500  # 25.00 USD each


class StandIn:
    """The stand-in Stripe in a child process, driven over a pipe."""

    def __init__(self):
        parent, child = multiprocessing.get_context("fork").Pipe()
        self._pipe = parent
        self._process = multiprocessing.get_context("fork").Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        self.url, self.api_key = self._ask("address")

    def _ask(self, *command):
        self._pipe.send(command)
        return self._pipe.recv()

    def ready_accounts(self, count: int) -> list[str]:
        return self._ask("accounts", count)

    def top_up(self, currency: str, amount: int) -> None:
        self._ask("top_up", currency, amount)

    def transfers(self) -> int:
        return self._ask("transfers")

    def stop(self) -> None:
        self._ask("stop")
        self._process.join(timeout=10)


def _serve(pipe) -> None:
    with FakeStripe() as fake:
        while True:
            command, *args = pipe.recv()
            if command == "address":
                pipe.send((fake.url, fake.api_key))
            elif command == "accounts":
                pipe.send([fake.ready_account("US")["id"] for _ in range(args[0])])
            elif command == "top_up":
                pipe.send(fake.top_up(*args))
            elif command == "transfers":
                pipe.send(len(fake.transfers()))
            else:
                pipe.send(None)
                return


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=Config.STRIPE_RUN_CONCURRENCY,
                        help="payouts sent at once (STRIPE_RUN_CONCURRENCY)")
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_payouts"),
        help="emptied and migrated at the start (default: the bench_payouts database, created if missing)")
    return parser.parse_args()


def ensure_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    name = url.rsplit("/", 1)[1]
    from sqlalchemy import create_engine

    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def make_app(url: str, fake: StandIn, concurrency: int):
    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        REDIS_URL = ""  # jobs and emails run in this process, as without a worker
        STRIPE_API_KEY = fake.api_key
        STRIPE_API_BASE = fake.url
        STRIPE_PAYOUT_CURRENCIES = ("USD",)
        STRIPE_PAYOUT_TIME = "00:00"
        STRIPE_RUN_CONCURRENCY = concurrency
        MAIL_SERVER = ""
        LOG_LEVEL = "WARNING"

    return create_app(BenchConfig)


def reset_schema(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            else:
                db.metadata.drop_all(conn)
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=str(ROOT / "migrations"))


def seed(app, fake: StandIn, count: int) -> None:
    """`count` affiliates, each with a ready account on the stand-in and one approved USD Stripe payout."""
    now = utcnow()
    with app.app_context():
        account_ids = fake.ready_accounts(count)
        users = [{"email": f"bench-affiliate-{i}@example.com", "password_hash": "-", "role": "affiliate",
                  "name": f"Bench affiliate {i}", "is_disabled": False, "session_token": f"t{i}", "created_at": now}
                 for i in range(count)]
        db.session.execute(insert(User), users)
        user_ids = list(db.session.scalars(select(User.id).where(User.role == "affiliate").order_by(User.id)))
        db.session.execute(insert(StripeAccount), [
            {"user_id": uid, "account_id": acct, "country": "US", "status": "ready", "details_submitted": True,
             "payouts_enabled": True, "transfers_capability": "active", "currently_due": [], "past_due": [],
             "pending_verification": [], "stripe_updated_at": 0, "consecutive_failures": 0, "created_at": now,
             "synced_at": now} for uid, acct in zip(user_ids, account_ids, strict=True)])
        db.session.execute(insert(PayoutRequest), [
            {"affiliate_id": uid, "amount": AMOUNT, "currency": "USD", "status": "approved", "method": "stripe",
             "details": {"method": "stripe", "stripe_account_id": acct}, "requested_at": now, "decided_at": now,
             "idempotency_key": f"bench-{uid}", "reversed_amount": 0, "updated_at": now}
            for uid, acct in zip(user_ids, account_ids, strict=True)])
        request_ids = dict(db.session.execute(select(PayoutRequest.affiliate_id, PayoutRequest.id)).all())
        db.session.execute(insert(LedgerEntry), [
            {"affiliate_id": uid, "currency": "USD", "amount": -AMOUNT, "kind": "payout_reserve",
             "idempotency_key": f"reserve:payout:{request_ids[uid]}", "payout_request_id": request_ids[uid],
             "available_at": now, "created_at": now} for uid in user_ids])
        db.session.commit()
    fake.top_up("usd", AMOUNT * count * 2)


def baseline(fake: StandIn, count: int, concurrency: int) -> float:
    """Transfers per second through the stripe library alone, `concurrency` at a time, to the same stand-in."""
    import stripe

    api = stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url}, max_network_retries=0,
                              http_client=stripe.RequestsClient(timeout=30))
    destination = fake.ready_accounts(1)[0]
    fake.top_up("usd", AMOUNT * count)

    def transfer(i: int) -> None:
        api.v1.transfers.create({"amount": AMOUNT, "currency": "usd", "destination": destination,
                                 "transfer_group": f"baseline-{concurrency}-{i}"},
                                {"idempotency_key": f"baseline-{concurrency}-{i}"})

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(transfer, range(count)))
    return count / (time.perf_counter() - started)


def main() -> None:
    args = parse_args()
    ensure_database(args.database_url)
    fake = StandIn()
    try:
        app = make_app(args.database_url, fake, args.concurrency)
        reset_schema(app)
        started = time.perf_counter()
        seed(app, fake, args.requests)
        print(f"seeded {args.requests:,} approved Stripe payouts in {time.perf_counter() - started:.1f} s "
              f"on {args.database_url.split(':')[0]}")
        sample = min(args.requests, 2_000)
        base_one, base_many = baseline(fake, sample, 1), baseline(fake, sample, args.concurrency)
        before = fake.transfers()
        print(f"load before the run: {load()}")
        with app.app_context():
            client.client()  # built once, as in a worker
            run_id = runs.start_scheduled()
            started, cpu = time.perf_counter(), time.process_time()
            outcome = runs.execute(run_id)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            paid = db.session.scalar(select(func.count()).select_from(PayoutRequest).where(
                PayoutRequest.status == "paid"))
            assert db.session.get(StripePayoutRun, run_id).status == "finished"
        print(f"load after the run:  {load()}")
        made = fake.transfers() - before
    finally:
        fake.stop()
    rate = args.requests / elapsed
    print(f"baseline, the stripe library alone against the stand-in ({sample:,} transfers): "
          f"{base_one:,.0f}/s one at a time, {base_many:,.0f}/s {args.concurrency} at a time")
    print(f"payout run, {args.concurrency} at a time: {args.requests:,} payouts in {elapsed:.1f} s = {rate:,.0f} "
          f"payouts/s ({rate / base_many:.0%} of the baseline at the same concurrency); outcome {outcome}")
    print(f"CPU of this process during the run: {cpu:.1f} s, {cpu / args.requests * 1000:.1f} ms per payout "
          f"(one interpreter: at most {args.requests / cpu:,.0f} payouts/s on an otherwise idle core)")
    print(f"paid: {paid:,}   transfers the stand-in holds for them: {made:,}   "
          f"{'equal' if paid == made == args.requests else 'NOT EQUAL'}")
    if not paid == made == args.requests:
        raise SystemExit(1)


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    main()
