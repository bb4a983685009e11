"""Alembic environment: runs with the Flask app's engine and the models' metadata."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def render_item(type_, obj, autogen_context):
    """Autogenerate writes our UTC column type as the plain type it stores."""
    from commonpot.db import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _metadata():
    return current_app.extensions["migrate"].db.metadata


def run_migrations_offline():
    context.configure(url=current_app.config["SQLALCHEMY_DATABASE_URI"],
                      target_metadata=_metadata(), literal_binds=True, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = current_app.extensions["migrate"].db.engine
    with engine.connect() as connection:
        on_sqlite = connection.dialect.name == "sqlite"
        if on_sqlite:
            # Batch migrations rebuild a table (copy, drop, rename). The app enforces foreign
            # keys, so dropping a table other rows point at would fail; the rebuilt table keeps
            # its ids, so every reference is valid again once the migration ends. The pragma
            # only takes effect outside a transaction, hence the commit around it.
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.commit()
        try:
            context.configure(connection=connection, target_metadata=_metadata(),
                              render_as_batch=True, compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if on_sqlite:
                connection.commit()
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
