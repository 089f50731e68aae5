"""`flask` commands: users and demo data."""
import click
from flask import Flask

from app.models.users import ROLES
from app.services.accounts import accounts, admin
from app.services.common.errors import ServiceError


def register_cli(app: Flask) -> None:
    app.cli.add_command(user_cli)
    from app.demo import demo_cli
    app.cli.add_command(demo_cli)
    from app.ledger_cli import ledger_cli
    app.cli.add_command(ledger_cli)
    from app.stripe_cli import stripe_cli
    app.cli.add_command(stripe_cli)
    from app.schedule import jobs_cli
    app.cli.add_command(jobs_cli)
    from app.backup_cli import backup_cli
    app.cli.add_command(backup_cli)
    from app.analytics_cli import stats_cli
    app.cli.add_command(stats_cli)


@click.group("user", help="Create and disable accounts.")
def user_cli():
    pass


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True, help="8 to 128 characters.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", default="", help="Display name (defaults to the part of the email before @).")
@click.option("--company", default=None, help="Company name, for merchants.")
@click.option("--website", default=None)
def create_user(email, password, role, name, company, website):
    """Create an account of any role."""
    try:
        user = accounts.create_user(email, password, role, name, company_name=company, website=website)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


def _set_disabled(email: str, disabled: bool):
    # The same locked, audited door as the admin's user page; the audit row names no actor.
    user = accounts.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    return admin.set_disabled(user.id, disabled, actor_id=None)


@user_cli.command("disable")
@click.argument("email")
def disable_user(email):
    """Disable an account and end its sessions."""
    user = _set_disabled(email, True)
    click.echo(f"Disabled {user.email}.")


@user_cli.command("enable")
@click.argument("email")
def enable_user(email):
    """Enable a disabled account again."""
    user = _set_disabled(email, False)
    click.echo(f"Enabled {user.email}.")
