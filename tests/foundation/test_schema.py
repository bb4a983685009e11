"""The migrated schema matches the models: Alembic's autogenerate finds no difference in
tables, columns, types, indexes, keys or server defaults, and every CHECK constraint the
models declare exists in the database with the same allowed values (autogenerate does not
look at CHECKs, so `check_constraint_differences` does)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory

from commonpot.extensions import db

# Literals and numbers are what a CHECK's meaning rests on; the rest of its text is
# spelled differently by each database (PostgreSQL rewrites IN (...) as = ANY (ARRAY[...])).
_LITERAL = re.compile(r"'((?:[^']|'')*)'|\b(\d+)\b")


def _check_meaning(sqltext: str) -> frozenset[str]:
    return frozenset(quoted or number for quoted, number in _LITERAL.findall(sqltext))


def _model_checks() -> dict[tuple[str, str], frozenset[str]]:
    dialect = db.engine.dialect
    checks = {}
    for table in db.metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, sa.CheckConstraint):
                text = str(constraint.sqltext.compile(dialect=dialect,
                                                      compile_kwargs={"literal_binds": True}))
                checks[(table.name, constraint.name)] = _check_meaning(text)
    return checks


def _database_checks(connection) -> dict[tuple[str, str], frozenset[str]]:
    inspector = sa.inspect(connection)
    return {(table, check["name"]): _check_meaning(check["sqltext"])
            for table in inspector.get_table_names() if table != "alembic_version"
            for check in inspector.get_check_constraints(table)}


def check_constraint_differences(connection) -> list[str]:
    in_models, in_database = _model_checks(), _database_checks(connection)
    differences = [f"CHECK {table}.{name} is in the models, not the database"
                   for table, name in sorted(set(in_models) - set(in_database))]
    differences += [f"CHECK {table}.{name} is in the database, not the models"
                    for table, name in sorted(set(in_database) - set(in_models))]
    differences += [f"CHECK {table}.{name} allows {sorted(in_database[key])} in the database, "
                    f"{sorted(in_models[key])} in the models"
                    for key in sorted(set(in_models) & set(in_database))
                    for table, name in [key] if in_models[key] != in_database[key]]
    return differences


def _default_text(default: str) -> str:
    text = re.sub(r"::[\w ]+$", "", default.strip())  # PostgreSQL's ''::text
    while text[:1] == "(" and text[-1:] == ")":
        text = text[1:-1]
    return text.strip("'\"")


def _same_server_default(context, inspected_column, metadata_column, inspected_default,
                         metadata_default, rendered_metadata_default):
    # SQLite hands back an empty-string default as '' where the models say "": the same
    # default. Anything else is left to Alembic's own comparison (None means "you decide").
    if inspected_default is not None and rendered_metadata_default is not None and \
            _default_text(inspected_default) == _default_text(rendered_metadata_default):
        return False
    return None


def schema_differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={
        "compare_type": True, "compare_server_default": _same_server_default})
    return list(compare_metadata(context, db.metadata)) + check_constraint_differences(connection)


def test_migrations_match_models(app):
    with app.app_context(), db.engine.connect() as connection:
        differences = schema_differences(connection)
    assert differences == [], f"models and migrations differ: {differences}"


def test_every_enum_column_is_checked(app):
    with app.app_context():
        unchecked = [f"{table.name}.{column.name}" for table in db.metadata.tables.values()
                     for column in table.columns
                     if isinstance(column.type, sa.Enum) and not column.type.create_constraint]
    assert unchecked == []


def test_comparison_fails_when_a_check_is_dropped(app):
    """Drop one CHECK from the migrated database (SQLite rebuilds the table without it,
    PostgreSQL drops the constraint) and the comparison names it."""
    with app.app_context(), db.engine.connect() as connection:
        transaction = connection.begin()
        try:
            with Operations(MigrationContext.configure(connection)).batch_alter_table(
                    "award") as batch_op:
                batch_op.drop_constraint("ck_award_awardstatus", type_="check")
            differences = schema_differences(connection)
        finally:
            # PostgreSQL's test database is shared by the session: put the CHECK back.
            transaction.rollback()
    assert differences == ["CHECK award.ck_award_awardstatus is in the models, not the database"]


def test_comparison_fails_when_a_check_allows_other_values(app):
    with app.app_context(), db.engine.connect() as connection:
        transaction = connection.begin()
        try:
            with Operations(MigrationContext.configure(connection)).batch_alter_table(
                    "award") as batch_op:
                batch_op.drop_constraint("ck_award_awardstatus", type_="check")
                batch_op.create_check_constraint(
                    "ck_award_awardstatus", "status IN ('offered', 'accepted', 'anything')")
            differences = schema_differences(connection)
        finally:
            transaction.rollback()
    assert len(differences) == 1 and "ck_award_awardstatus allows" in differences[0]


def test_database_is_at_every_head(app):
    from alembic.config import Config

    with app.app_context():
        config = Config()
        config.set_main_option("script_location", app.extensions["migrate"].directory)
        heads = set(ScriptDirectory.from_config(config).get_heads())
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    assert current == heads


def test_rules_migration_downgrades_and_upgrades_again(app):
    """0007 (rules in the database) undoes cleanly, and redoing it gives the models' schema."""
    from flask_migrate import downgrade, upgrade

    from commonpot.accounts import operations as accounts
    from tests.panels import factories as grants_world
    from tests.voting.factories import create_round
    from voting.models import Proposal

    with app.app_context():
        # Rows in the rebuilt tables and rows that point at them must all survive.
        session = db.session
        creator = accounts.register(session, email="a@example.org", display_name="A",
                                    password="x" * 12)
        fund = grants_world.create_fund(session)
        application = grants_world.create_application(
            session, grants_world.create_round(session, fund),
            grants_world.create_group(session, members=[creator.id]), creator_id=creator.id)
        voting_round = create_round(session, fund_id=fund.id)
        proposal = voting_round.proposals[0]
        proposal.source_application_id = application.id
        session.commit()
        application_id, proposal_id = application.id, proposal.id
        session.remove()
        downgrade(revision="0006")
        with db.engine.connect() as connection:
            left = _database_checks(connection)
            fks = sa.inspect(connection).get_foreign_keys("voting_proposal")
        upgrade(revision="heads")
        with db.engine.connect() as connection:
            differences = schema_differences(connection)
    assert ("award", "ck_award_awardstatus") not in left
    assert ("grant_round", "ck_grant_round_budget_not_negative") not in left
    assert "source_application_id" not in {c for fk in fks for c in fk["constrained_columns"]}
    assert differences == []
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).source_application_id == application_id


def test_the_database_refuses_unknown_states_and_negative_budgets(app):
    """The CHECKs hold even for writes that bypass the models (raw SQL, another tool)."""
    from grants.models import Fund, Funder

    with app.app_context():
        funder = Funder(name="Check Foundation", identifier_prefix="360G-check", org_id="GB-CHC-2")
        db.session.add(funder)
        db.session.flush()
        fund = Fund(funder_id=funder.id, name="Checked", slug="checked", budget_pence=100)
        db.session.add(fund)
        db.session.commit()
        refused = []
        for statement, values in [
            ("UPDATE fund SET budget_pence = -1 WHERE id = :id", {"id": fund.id}),
            ("INSERT INTO outbox_message (to_address, subject, body, status, created_at) "
             "VALUES ('a@example.org', 's', 'b', 'lost', CURRENT_TIMESTAMP)", {}),
        ]:
            try:
                with db.engine.begin() as connection:
                    connection.execute(sa.text(statement), values)
            except sa.exc.IntegrityError:
                refused.append(statement.split()[0])
        assert db.session.get(Fund, fund.id).budget_pence == 100
    assert refused == ["UPDATE", "INSERT"]
