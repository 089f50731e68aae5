"""`flask stats …`: the analytics rollup from the command line."""
from datetime import date

import click
from flask.cli import with_appcontext

from app.services.analytics import rollup


@click.group("stats", help="The rollup tables behind analytics and the dashboards.")
def stats_cli():
    pass


@stats_cli.command("rebuild")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Recompute from the first day of this date's month on (YYYY-MM-DD); default: everything.")
@with_appcontext
def rebuild_command(since):
    """Recompute the figures from the raw clicks and conversions (after a bulk load, a restore, or a bug fix).

    Waits for a rollup run in progress. Click figures of months whose raw clicks were dropped are kept.
    """
    start = since.date() if since else None
    if start is not None and not date(2000, 1, 1) <= start <= date(2100, 1, 1):
        raise click.BadParameter("give a date between 2000-01-01 and 2100-01-01", param_hint="--since")
    outcome = rollup.rebuild(start)
    click.echo(f"Rebuilt {'every figure' if start is None else f'the figures from {outcome.rebuilt_from}'} "
               f"in {outcome.seconds:.1f} s ({outcome.clicks:,} new clicks and {outcome.changes:,} conversion "
               f"changes counted on the way).")


@stats_cli.command("run")
@with_appcontext
def run_command():
    """Fold what came since the last run now (what the scheduled job does every few minutes)."""
    outcome = rollup.run(wait=True)
    click.echo(f"Counted {outcome.clicks:,} clicks and {outcome.changes:,} conversion changes "
               f"in {outcome.seconds:.1f} s.")
