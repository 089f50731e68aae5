"""Stripe payout run benchmark: 10,000 approved requests paid in one run, against the stand-in Stripe.

    .venv/bin/python bench/payouts.py [--requests 10000] [--database-url postgresql+psycopg://…/bench_payouts]

Seeds one affiliate per request (one open request per affiliate and currency is a rule of the books),
each with a ready Express account on the stand-in, then runs the daily run in this process, exactly as
a worker does. The same-run baseline is the stand-in alone: the same number of transfers created
through the stripe library with nothing else around them. Prints payouts/s for both, the count paid,
the count of transfers the stand-in holds (they must be equal) and the machine's load.
"""
import argparse
import os
import subprocess
import sys
import time
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


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
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


def make_app(url: str, fake: FakeStripe):
    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        REDIS_URL = ""  # jobs and emails run in this process, as without a worker
        STRIPE_API_KEY = fake.api_key
        STRIPE_API_BASE = fake.url
        STRIPE_PAYOUT_CURRENCIES = ("USD",)
        STRIPE_PAYOUT_TIME = "00:00"
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


def seed(app, fake: FakeStripe, count: int) -> None:
    """`count` affiliates, each with a ready account on the stand-in and one approved USD Stripe payout."""
    now = utcnow()
    with app.app_context():
        account_ids = [fake.ready_account("US")["id"] for _ in range(count)]
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
        request_ids = dict(db.session.execute(select(PayoutRequest.affiliate_id, PayoutRequest.id)))
        db.session.execute(insert(LedgerEntry), [
            {"affiliate_id": uid, "currency": "USD", "amount": -AMOUNT, "kind": "payout_reserve",
             "idempotency_key": f"reserve:payout:{request_ids[uid]}", "payout_request_id": request_ids[uid],
             "available_at": now, "created_at": now} for uid in user_ids])
        db.session.commit()
    fake.top_up("usd", AMOUNT * count * 2)


def baseline(fake: FakeStripe, count: int) -> float:
    """Transfers per second through the stripe library alone, to accounts on the same stand-in."""
    import stripe

    api = stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url}, max_network_retries=0,
                              http_client=stripe.RequestsClient(timeout=30))
    destination = fake.ready_account("US")["id"]
    fake.top_up("usd", AMOUNT * count)
    started = time.perf_counter()
    for i in range(count):
        api.v1.transfers.create({"amount": AMOUNT, "currency": "usd", "destination": destination,
                                 "transfer_group": f"baseline-{i}"}, {"idempotency_key": f"baseline-{i}"})
    return count / (time.perf_counter() - started)


def main() -> None:
    args = parse_args()
    print(f"load before: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    ensure_database(args.database_url)
    with FakeStripe() as fake:
        app = make_app(args.database_url, fake)
        reset_schema(app)
        started = time.perf_counter()
        seed(app, fake, args.requests)
        print(f"seeded {args.requests} approved Stripe payouts in {time.perf_counter() - started:.1f} s "
              f"({db.engine.dialect.name if False else args.database_url.split(':')[0]})")
        base_rate = baseline(fake, args.requests)
        before = len(fake.transfers())
        with app.app_context():
            client.client()  # built once, as in a worker
            run_id = runs.start_scheduled()
            started = time.perf_counter()
            outcome = runs.execute(run_id)
            elapsed = time.perf_counter() - started
            paid = db.session.scalar(select(func.count()).select_from(PayoutRequest).where(
                PayoutRequest.status == "paid"))
            run = db.session.get(StripePayoutRun, run_id)
            assert run.status == "finished"
        made = len(fake.transfers()) - before
        print(f"load after: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
        print(f"baseline (stripe library → stand-in, nothing else): {base_rate:,.0f} transfers/s")
        print(f"payout run: {args.requests:,} requests in {elapsed:.1f} s = {args.requests / elapsed:,.0f} payouts/s "
              f"({args.requests / elapsed / base_rate:.0%} of the baseline); run outcome {outcome}")
        print(f"paid: {paid:,}   transfers the stand-in holds for them: {made:,}   "
              f"{'equal' if paid == made == args.requests else 'NOT EQUAL'}")
        if not paid == made == args.requests:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
