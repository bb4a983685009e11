"""Shared moves for the audit tests: fill the log, tamper with it as a database owner would."""

from contextlib import contextmanager

from sqlalchemy import create_engine, text

from commonpot import audit


def fill(session, n, action="grants.fund_themes_set", start=0):
    """n public events (and their commit)."""
    for i in range(start, start + n):
        audit.record(session, "system", action, "fund", i, {"themes": [f"theme {i}", "ünïcode"]})
    session.commit()


def checkpoint(session, reason="test"):
    made = audit.sign_checkpoint(session, reason=reason)
    session.commit()
    return made


@contextmanager
def as_database_owner(database_url):
    """A raw connection that gets past the append-only triggers, as the tables' owner (or a
    superuser) can: on PostgreSQL by skipping ordinary triggers for this session."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            yield conn
    finally:
        engine.dispose()
