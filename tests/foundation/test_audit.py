"""The audit trail: hash chain, same-transaction writes, tamper evidence, append-only on PG."""

import threading

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.audit import AuditEvent, verify_chain
from commonpot.extensions import db
from tests.helpers import run_cli

TAMPER = text("UPDATE audit_event SET payload = :p WHERE seq = 3").bindparams(p='{"n":99}')


def _record(session, n, action="test.happened"):
    for i in range(n):
        audit.record(session, "system", action, "thing", i, {"n": i, "note": "ünïcode ok"})
    session.commit()


def test_chain_links_each_event_to_the_one_before(session):
    _record(session, 3)
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == audit.GENESIS_HASH
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert verify_chain(session).ok


def test_event_is_rolled_back_with_the_change_it_records(session):
    from grants.models import Group

    session.add(Group(name="Short-lived", slug="short-lived"))
    audit.record(session, "system", "group.created", "group", 1)
    session.rollback()
    assert session.scalar(select(AuditEvent)) is None


def test_editing_a_row_is_named_by_audit_verify(app, session, database_url):
    _record(session, 5)
    engine = create_engine(database_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # The trigger refuses the edit; only an owner disabling it can tamper.
            with pytest.raises(DBAPIError, match="append-only"), conn.begin_nested():
                conn.execute(TAMPER)
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        conn.execute(TAMPER)
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
    engine.dispose()
    result = run_cli(app, "audit", "verify")
    assert result.exit_code == 1
    assert "#3" in result.output and "contents do not match" in result.output


def test_deleting_a_row_is_named_by_audit_verify(app, session, database_url):
    _record(session, 4)
    engine = create_engine(database_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            with pytest.raises(DBAPIError, match="append-only"), conn.begin_nested():
                conn.execute(text("DELETE FROM audit_event WHERE seq = 2"))
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        conn.execute(text("DELETE FROM audit_event WHERE seq = 2"))
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
    engine.dispose()
    result = run_cli(app, "audit", "verify")
    assert result.exit_code == 1 and "#2" in result.output


def test_intact_chain_verifies(app, session):
    _record(session, 3)
    result = run_cli(app, "audit", "verify")
    assert result.exit_code == 0 and "3 events" in result.output


def test_public_checkpoint_and_export_let_anyone_verify(client, session):
    _record(session, 3)
    page = client.get("/audit").get_data(as_text=True)
    last = session.scalar(select(AuditEvent).where(AuditEvent.seq == 3))
    assert last.hash in page
    exported = client.get("/audit/events.json").get_json()["events"]
    assert audit.verify_events(exported).ok
    exported[1]["payload"]["n"] = 42
    report = audit.verify_events(exported)
    assert report.first_bad_seq == 2


@pytest.mark.postgres_only
def test_concurrent_writers_keep_one_unbroken_chain(app, database_url):
    engine = create_engine(database_url, pool_size=10)
    errors = []

    def write(worker):
        try:
            for i in range(5):
                with Session(engine) as s:
                    audit.record(s, "system", "test.concurrent", "worker", worker, {"i": i})
                    s.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert not errors
    with app.app_context():
        report = verify_chain(db.session)
        assert report.ok and report.checked == 40
