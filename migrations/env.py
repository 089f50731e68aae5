"""Alembic environment: migrations run against the Flask app's database and models."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from app.models.tracking import is_click_partition

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
engine = target_db.engine
config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_db.metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty_revision(context, revision, directives):
        # `flask db migrate` with no model change should not write an empty file.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    def skip_click_partitions(name, type_, parent_names):
        # The monthly partitions of clicks (Postgres) belong to the clicks table of the models.
        return not (type_ == "table" and is_click_partition(name))

    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("include_name", skip_click_partitions)
    options.setdefault("process_revision_directives", skip_empty_revision)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
