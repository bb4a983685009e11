"""Test harness: every test runs against a database built by the real Alembic migrations.

SQLite (default): migrate once into a template file, copy it for each test.
PostgreSQL (TEST_DATABASE_URL=postgresql://...): create a scratch database on that server,
migrate once, truncate every table before each test, drop the database at the end.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from commonpot.app import create_app
from commonpot.config import normalise_database_url
from commonpot.extensions import db
from commonpot_verify.note import generate_signer
from tests.helpers import PASSWORD

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres", "postgresql"))
# One audit signing key for the test session (production reads AUDIT_SIGNING_KEY).
TEST_AUDIT_KEY = str(generate_signer("commonpot.test/audit"))


def pytest_report_header(config):
    return f"database: {'PostgreSQL' if ON_POSTGRES else 'SQLite'}"


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: run with TEST_DATABASE_URL=postgresql://...")
    for item in items:
        if "postgres_only" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip_pg)


def _migrate(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        from commonpot.cli import upgrade_database

        upgrade_database()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Yield (kind, url) of a freshly migrated database for this test session."""
    if ON_POSTGRES:
        server_url = make_url(normalise_database_url(TEST_DATABASE_URL))
        name = f"commonpot_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = server_url.set(database=name).render_as_string(hide_password=False)
        try:
            _migrate(url)
            yield "postgresql", url
        finally:
            with admin.connect() as conn:
                conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ), {"n": name})
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "template.sqlite"
        _migrate(f"sqlite:///{path}")
        yield "sqlite", str(path)


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        # The audit tables refuse TRUNCATE through ordinary triggers; a superuser's replica
        # mode skips them, which only this scratch-database reset may do.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        tables = [row[0] for row in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                              + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(database_template, tmp_path):
    kind, source = database_template
    if kind == "postgresql":
        _truncate_all(source)
        return source
    target = tmp_path / "test.sqlite"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app_config(tmp_path):
    """Per-test config overrides; a test may update this dict before `app` is built."""
    return {
        "TESTING": True,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "commonpot.test",
        "PREFERRED_URL_SCHEME": "http",
        "AUDIT_SIGNING_KEY": TEST_AUDIT_KEY,
    }


@pytest.fixture
def app(database_url, app_config):
    application = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": database_url})
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(app, database_url, app_config):
    """A database session for arranging and asserting, inside an app context.

    The context belongs to a second app on the same database: Flask reuses a pushed app
    context for requests to the *same* app, which would leak `g` (the CSRF token, the
    signed-in user) from one test-client request into the next.
    """
    observer = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": database_url})
    with observer.app_context():
        yield db.session
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_client(app):
    """More browsers: each has its own cookies (for two people at once)."""
    return app.test_client


@pytest.fixture
def make_user(app):
    """Create a user through the real operations (verified unless told otherwise)."""

    def _make(email: str, *, password: str = PASSWORD, verified: bool = True, admin: bool = False,
              steward: bool = False, name: str | None = None, fund_roles=(), groups=()):
        from commonpot.accounts import operations
        from grants.models import GroupMembership

        with app.app_context():
            user = operations.register(db.session, email=email, password=password,
                                       display_name=name or email.split("@")[0].title())
            if verified:
                operations.verify_email(db.session, user)
            operations.set_admin(db.session, "system", user, admin)
            operations.set_steward(db.session, "system", user, steward)
            for fund_id, role in fund_roles:
                operations.grant_fund_role(db.session, "system", user, fund_id, role)
            for group_id, role in groups:
                db.session.add(GroupMembership(group_id=group_id, user_id=user.id, role=role))
            db.session.commit()
            return user.id

    return _make


@pytest.fixture
def outbox(app):
    """Read the emails written so far: list of (to, subject, body)."""

    def _read(to: str | None = None):
        from sqlalchemy import select

        from commonpot.mail import OutboxMessage

        with app.app_context():
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if to:
                query = query.where(OutboxMessage.to_address == to)
            return [(m.to_address, m.subject, m.body) for m in db.session.scalars(query)]

    return _read


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on 127.0.0.1 (a free port) in a background thread."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["SERVER_NAME"] = f"127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
