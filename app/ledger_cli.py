"""`flask ledger …`: checking the books from the command line."""
import click
from flask.cli import with_appcontext

from app.services.ledger import verify


@click.group("ledger", help="Check the append-only ledger.")
def ledger_cli():
    pass


@ledger_cli.command("verify")
@with_appcontext
def verify_command():
    """Recompute every balance from the ledger and check each entry against its source.

    Prints every difference (affiliate, currency, expected, found, what) and exits with 1 if there
    is any; otherwise prints a summary and exits with 0.
    """
    report = verify.verify()
    for difference in report.differences:
        click.echo(str(difference))
    click.echo(("Ledger OK: " if report.ok else "Ledger has differences: ") + report.summary())
    if not report.ok:
        raise SystemExit(1)
