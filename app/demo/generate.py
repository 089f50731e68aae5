"""`flask demo generate`: a programme with a year (or more) of traffic, at the size real ones reach.

    flask demo generate --affiliates 1000 --campaigns 50 --links 10000 --clicks 5000000 \\
        --conversions 20000 --days 365

For measuring pages and jobs against realistic data (the benchmarks in `bench/` use it) and for
trying the app with a full database. Everything is written in one transaction (COPY on Postgres),
so an interrupted run leaves nothing behind; the tables it writes are locked against other writers
meanwhile. Accounts are `<role><number>.g<seed>@example.test` with the demo password; running it
again needs another `--seed`. Shapes of the data: `generate_people`, `generate_clicks`,
`generate_orders`.
"""
import random
import sys
import time
from dataclasses import dataclass
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.demo.bulk import BulkWriter, indexes_deferred
from app.demo.generate_clicks import COLUMNS, Traffic, plan_days
from app.demo.generate_orders import Orders
from app.demo.generate_people import build_programme, email
from app.demo.people import PASSWORD
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.campaigns import Campaign, Membership
from app.models.common import utcnow
from app.models.conversions import Conversion, Refund
from app.models.money import LedgerEntry, PayoutRequest
from app.models.tracking import Click, Link
from app.models.users import AffiliateProfile, MerchantProfile, User
from app.services.accounts.accounts import hash_password
from app.services.analytics import rollup
from app.services.tracking import link_changes, partitions

TABLES = (User, MerchantProfile, AffiliateProfile, Campaign, Membership, Link, Click, Conversion, Refund,
          PayoutRequest, LedgerEntry, AuditEvent)

# From this many new clicks on, the clicks' indexes are built once after the load rather than kept up.
DEFER_INDEXES_FROM = 200_000


class AlreadyGenerated(Exception):
    """This seed's accounts are already in the database."""


@dataclass(frozen=True)
class Sizes:
    affiliates: int = 1_000
    campaigns: int = 50
    links: int = 10_000
    clicks: int = 5_000_000
    conversions: int = 20_000
    days: int = 365
    merchants: int | None = None
    seed: int = 1

    @property
    def merchant_count(self) -> int:
        return self.merchants or max(1, -(-self.campaigns // 3))

    @property
    def tag(self) -> str:
        return f"g{self.seed}"


def generate(sizes: Sizes, *, on_clicks=lambda n: None, on_phase=lambda text: None) -> dict[str, int]:
    """Write the whole data set; returns how many rows of each kind were added."""
    if db.session.scalar(select(User.id).where(User.email == email("admin", 1, sizes.tag))) is not None:
        raise AlreadyGenerated(f"Data of seed {sizes.seed} is already in this database; choose another --seed.")
    db.session.remove()
    rng = random.Random(sizes.seed)
    now = utcnow()
    start = now - timedelta(days=sizes.days)
    # Postgres: every month of the traffic gets its partition, so the clicks do not pile up in the default one.
    partitions.ensure_months(partitions.month_of(start), partitions.month_of(now))
    password_hash = hash_password(PASSWORD)
    with db.engine.begin() as conn:
        out = BulkWriter(conn, [model.__table__ for model in TABLES])
        on_phase("people, campaigns and links")
        programme = build_programme(
            rng, out, affiliates=sizes.affiliates, campaigns=sizes.campaigns, merchants=sizes.merchant_count,
            links=sizes.links, start=start, now=now, tag=sizes.tag, password_hash=password_hash)
        on_phase("clicks")
        traffic = Traffic(rng, programme, sizes.conversions)
        tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
        deferred = sizes.clicks >= DEFER_INDEXES_FROM
        with indexes_deferred(conn, "clicks", enabled=deferred):
            waiting = 0  # clicks of days before the first link existed go to the first day with one
            for midnight, begin, end, count in plan_days(rng, start, now, sizes.clicks, tz):
                rows = traffic.day(midnight, begin, end, waiting + count, lambda n: out.reserve_ids("clicks", n))
                waiting += count - len(rows)
                out.write_tuples("clicks", COLUMNS, rows)
                on_clicks(len(rows))
            if deferred:
                on_phase("indexes and keys of the clicks")
        on_phase("conversions, refunds, payouts and the ledger")
        orders = Orders(rng, out, programme, now, current_app.config["PAYOUT_MINIMUMS"])
        for chosen in traffic.converting.clicks():
            orders.add_conversion(chosen)
        orders.add_payouts()
        counts = {**programme.counts, "clicks": traffic.stats.clicks, **orders.write()}
        on_phase("statistics")
        out.finish()
    # Written with COPY, past the session events: running web processes learn of the new links here.
    link_changes.changed()
    stats = traffic.stats
    counts.update({"unique clicks": stats.unique, "robot clicks": stats.robots, "repeat clicks": stats.repeats,
                   "clicks earning nothing": stats.not_earning})
    return counts


@click.command("generate")
@click.option("--affiliates", default=Sizes.affiliates, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--campaigns", default=Sizes.campaigns, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--merchants", default=None, type=click.IntRange(1, 100_000),
              help="Merchants owning the campaigns  [default: a third of the campaigns]")
@click.option("--links", default=Sizes.links, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--clicks", default=Sizes.clicks, show_default=True, type=click.IntRange(0, 1_000_000_000))
@click.option("--conversions", default=Sizes.conversions, show_default=True, type=click.IntRange(0, 100_000_000),
              help="Orders, each on a unique human click that could earn (fewer if there are not enough).")
@click.option("--days", default=Sizes.days, show_default=True, type=click.IntRange(1, 3650),
              help="How far back the traffic starts.")
@click.option("--seed", default=Sizes.seed, show_default=True, type=int,
              help="Seed of the random figures; also names the accounts, so each run needs its own.")
@with_appcontext
def generate_command(**options):
    """Add a programme with realistic traffic: accounts, campaigns, links, clicks, orders, payouts."""
    sizes = Sizes(**options)
    started = time.perf_counter()
    bar = click.progressbar(length=sizes.clicks, label="clicks", show_pos=True, show_eta=True, file=sys.stderr)

    def phase(text):
        if bar.pos:
            bar.render_finish()
        click.echo(f"{time.perf_counter() - started:7.1f} s  {text}", err=True)

    try:
        counts = generate(sizes, on_clicks=bar.update, on_phase=phase)
    except AlreadyGenerated as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Generated in {time.perf_counter() - started:.0f} s: "
               + ", ".join(f"{n:,} {name}" for name, n in counts.items()) + ".")
    # The rows went in behind the services' back: the analytics figures are counted again from them.
    outcome = rollup.rebuild()
    click.echo(f"Analytics figures rebuilt in {outcome.seconds:.0f} s.")
    click.echo(f"Sign in as {email('admin', 1, sizes.tag)}, {email('merchant', 1, sizes.tag)} or "
               f"{email('affiliate', 1, sizes.tag)} (password: {PASSWORD}).")


