"""`flask tracking prune` and `flask tracking partitions`: raw clicks past the retention period, monthly partitions."""
import click
from flask import current_app

from app.blueprints.tracking import bp
from app.services.tracking import prune


@bp.cli.command("prune")
@click.option("--dry-run", is_flag=True, help="Only show what would be dropped.")
def prune_command(dry_run):
    """Drop months of raw clicks older than CLICK_RETENTION_MONTHS whose figures the rollups hold.

    Postgres drops each such month's partition whole; SQLite deletes its clicks in batches.
    Conversions keep their click's details, and the analytics figures stay as they were.
    """
    months = prune.prune(dry_run=dry_run)
    keep = current_app.config["CLICK_RETENTION_MONTHS"]
    click.echo(f"Raw clicks are kept for {keep} months before the current one.")
    if not months:
        click.echo("No raw clicks stored.")
        return
    for month in months:
        if not month.drop:
            action = "keep"
        elif dry_run:
            action = "would drop"
        else:
            action = f"dropped {month.clicks:,} clicks"
        click.echo(f"{month.month:%Y-%m}  {action}  ({month.reason})")
    going = [month for month in months if month.drop]
    if dry_run:
        click.echo(f"Dry run: {len(going)} month(s) would be dropped, nothing was changed.")
    else:
        click.echo(f"Dropped {len(going)} month(s), {sum(month.clicks or 0 for month in going):,} clicks.")


@bp.cli.command("partitions")
def partitions_command():
    """Make the monthly partitions of the clicks table ahead (Postgres; what the daily job does)."""
    made = prune.make_partitions_ahead()
    click.echo(f"Made {len(made)} partition(s): {', '.join(f'{month:%Y-%m}' for month in made)}" if made
               else "Every partition up to CLICK_PARTITIONS_AHEAD months ahead exists (or the database keeps one "
                    "clicks table).")
