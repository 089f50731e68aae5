"""Demo data for `make run` (filled in below)."""
import click


@click.group("demo", help="Demo data for trying the app.")
def demo_cli():
    pass
