"""`flask stripe …`: comparing our books with Stripe from the command line."""
import click
from flask.cli import with_appcontext

from app.services.stripe_connect import reconcile as reconciliation


@click.group("stripe", help="Stripe Connect payouts.")
def stripe_cli():
    pass


@stripe_cli.command("reconcile")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, reconciliation.DAYS_MAX),
              help="How many days back to compare.")
@with_appcontext
def reconcile(days: int):
    """Compare Stripe's transfers with our payout requests and ledger.

    Prints every difference and exits with 1 if there is any; otherwise prints a summary and exits with 0.
    """
    report = reconciliation.compare(days)
    for difference in report.differences:
        click.echo(str(difference))
    click.echo(("Stripe and our books agree: " if report.ok else "Stripe and our books differ: ") + report.summary())
    if not report.ok:
        raise SystemExit(1)
