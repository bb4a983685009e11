"""The migrated schema matches the models: Alembic's autogenerate finds no difference."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Config as _unused  # noqa: F401 - Flask-Migrate is how we run Alembic

from commonpot.extensions import db


def test_migrations_match_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ: {differences}"


def test_database_is_at_every_head(app):
    from alembic.config import Config

    with app.app_context():
        config = Config()
        config.set_main_option("script_location", app.extensions["migrate"].directory)
        heads = set(ScriptDirectory.from_config(config).get_heads())
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    assert current == heads
