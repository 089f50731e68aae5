"""The migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from app.models.tracking import is_click_partition


def test_migrated_database_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "compare_server_default": False,
            # Postgres: the monthly partitions are part of the clicks table.
            "include_name": lambda name, type_, _parents: not (type_ == "table" and is_click_partition(name))})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "\n".join(str(d) for d in differences)


def test_every_model_table_exists(app):
    with db.engine.connect() as connection:
        existing = set(db.inspect(connection).get_table_names())
    assert set(db.metadata.tables) <= existing
