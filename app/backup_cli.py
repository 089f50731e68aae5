"""`flask backup …`: writing, checking and restoring backups from the command line."""
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.services.backups import archive
from app.services.backups.create import create_backup
from app.services.backups.errors import BackupError, RestoreRefused, RestoreVerificationFailed
from app.services.backups.restore import restore_backup
from app.services.payouts import proofs
from app.services.tracking import link_changes


@click.group("backup", help="Back up and restore the database and the uploaded files.")
def backup_cli():
    pass


@backup_cli.command("create")
@click.option("--to", "to_dir", type=click.Path(file_okay=False), default=None,
              help="Folder to write the backup into (default: BACKUP_DIR).")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Afterwards keep only the newest N backups in that folder (other files are left alone).")
@with_appcontext
def create(to_dir, keep):
    """Write a consistent dump of the database plus the uploaded files, with a manifest."""
    try:
        created = create_backup(to_dir or current_app.config["BACKUP_DIR"], proofs.upload_root(), keep)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    manifest = created.manifest
    rows = sum(manifest["row_counts"].values())
    click.echo(f"Wrote {created.path}: {rows} rows in {len(manifest['row_counts'])} tables, "
               f"{len(manifest['files']) - 1} uploaded files, schema {manifest['schema_revision']}.")
    for path in created.removed:
        click.echo(f"Removed old backup {path}")


@backup_cli.command("verify")
@click.argument("file", type=click.Path(dir_okay=False))
def verify(file):
    """Check that a backup file is complete and intact, without restoring it."""
    with tempfile.TemporaryDirectory(prefix="backup-check-") as scratch:
        try:
            opened = archive.open_verified(file, Path(scratch))
        except RestoreRefused as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"{file} is intact: {_described(opened.manifest)}, {len(opened.uploads)} uploaded files.")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--into", "into_url", required=True, metavar="DATABASE_URL",
              help="The database to restore into; it must be empty unless --force is given.")
@click.option("--uploads-dir", type=click.Path(file_okay=False), default=None,
              help="Where the uploaded files go (default: UPLOAD_DIR).")
@click.option("--force", is_flag=True, help="Erase a non-empty target database and overwrite differing files.")
@with_appcontext
def restore(file, into_url, uploads_dir, force):
    """Restore a backup into an empty database, then check it against the manifest and the ledger."""
    try:
        restored = restore_backup(file, into_url, uploads_dir or proofs.upload_root(), force=force)
    except RestoreRefused as exc:
        raise click.ClickException(f"Restore refused, nothing was changed: {exc}") from exc
    except RestoreVerificationFailed as exc:
        raise click.ClickException(str(exc)) from exc
    # Web processes hold every link in memory: a new version makes them read the restored links within a
    # second instead of at their next full reload.
    link_changes.changed()
    click.echo(f"Restored {file} ({_described(restored.manifest)}): rows and ledger totals match the "
               f"manifest; {restored.files_written} files written.")
    click.echo(f"Ledger OK: {restored.ledger_summary}")


def _described(manifest: dict) -> str:
    return (f"{manifest['engine']} backup of {manifest['created_at']}, schema {manifest['schema_revision']}, "
            f"{sum(manifest['row_counts'].values())} rows")
