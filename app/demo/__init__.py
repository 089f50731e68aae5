"""Demo data: `flask demo load` fills an empty database with a small, lived-in programme for `make run`;
`flask demo generate` adds one at the size real programmes reach (`app/demo/generate.py`)."""
import random
import time

import click
from flask.cli import with_appcontext

from app.demo.generate import generate_command
from app.demo.payouts import build_payouts
from app.demo.people import ADMIN_EMAIL, PASSWORD, build_people
from app.demo.traffic import build_traffic
from app.extensions import db
from app.models.common import utcnow
from app.models.users import User
from app.services.accounts import accounts
from app.services.analytics import rollup
from app.services.common.errors import ServiceError


@click.group("demo", help="Demo data for trying the app.")
def demo_cli():
    pass


demo_cli.add_command(generate_command)


def load_demo(seed: int = 2024) -> dict | None:
    """Create the demo data in one transaction; None if it is already there."""
    if accounts.find_by_email(ADMIN_EMAIL) is not None:
        return None
    # Everything but the security tokens (link codes, click ids, postback tokens) follows the seed.
    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    try:
        people = build_people(rng, now)
        counts = build_traffic(rng, now, people)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    counts.update(users=len(people.users), campaigns=len(people.campaigns),
                  memberships=len(people.memberships), links=len(people.links))
    affiliates = [u for u in demo_users() if u.role == "affiliate"]
    admin = accounts.find_by_email(ADMIN_EMAIL)
    counts.update(build_payouts(affiliates, admin))
    # The traffic went in as bulk rows: the analytics figures are counted from them once.
    rollup.rebuild()
    return counts


def demo_users() -> list[User]:
    return list(db.session.scalars(
        db.select(User).where(User.email.like("%@demo.test")).order_by(User.id)
    ))


def _print_logins() -> None:
    users = demo_users()
    width = max(len(u.email) for u in users)
    click.echo(f"\nDemo accounts (password for all: {PASSWORD})\n")
    click.echo(f"  {'role':<10} {'email':<{width}}  name")
    for user in users:
        click.echo(f"  {user.role:<10} {user.email:<{width}}  {user.display_name}")
    click.echo("")


@demo_cli.command("load")
@click.option("--seed", default=2024, show_default=True, help="Seed for the generated figures.")
@with_appcontext
def load(seed: int):
    """Create demo accounts, campaigns and traffic (does nothing if they already exist)."""
    started = time.perf_counter()
    try:
        counts = load_demo(seed)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    if counts is None:
        click.echo("Demo data is already loaded; nothing changed.")
    else:
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        click.echo(f"Demo data loaded in {time.perf_counter() - started:.1f} s: {summary}.")
    _print_logins()
