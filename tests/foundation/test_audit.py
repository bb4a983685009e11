"""The audit log: signed RFC 6962 leaves, written in the caller's transaction, append-only."""

import threading

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from commonpot import audit
from commonpot.audit import AuditCheckpoint, AuditEvent, SecurityEvent, verify_database
from commonpot.audit.keys import keys
from commonpot.extensions import db
from commonpot_verify import merkle
from commonpot_verify.log import event_leaf_hash, event_signature_ok
from tests.audit.helpers import fill
from tests.helpers import post_form, run_cli


def test_each_event_is_a_signed_leaf_and_the_stored_tree_is_the_rfc_tree(session):
    fill(session, 7)
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    leaves = [event_leaf_hash(e.as_public_dict()) for e in events]
    assert [e.leaf_hash for e in events] == [leaf.hex() for leaf in leaves]
    verifier = keys().verifier
    assert all(event_signature_ok(verifier, leaf, e.signature)
               for leaf, e in zip(leaves, events, strict=True))
    for size in range(1, 8):
        assert audit.root_at(session, size) == merkle.naive_root(leaves[:size])
    assert verify_database(session).ok


def test_event_is_rolled_back_with_the_change_it_records(session):
    from grants.models import Group

    session.add(Group(name="Short-lived", slug="short-lived"))
    audit.record(session, "system", "grants.group_created", "group", 1,
                 {"name": "Short-lived", "org_type": "charity", "org_id": "1"})
    session.rollback()
    assert session.scalar(select(AuditEvent)) is None


def test_an_undeclared_field_is_refused_rather_than_published(session):
    with pytest.raises(audit.UndeclaredAuditField, match="not declared"):
        audit.record(session, "system", "grants.application_withdrawn", "application", 1,
                     {"from": "submitted", "diary": "private thoughts"})
    with pytest.raises(audit.UndeclaredAuditField):
        audit.record(session, "system", "made.up_action", "thing", 1, {})


def test_sign_ins_go_to_the_private_security_log(client, make_user, session):
    make_user("sam@example.org")
    post_form(client, "/login", {"email": "sam@example.org", "password": "nope-nope-nope"})
    assert session.scalar(select(AuditEvent).where(AuditEvent.action.like("account.sign%"))) is None
    failed = session.scalars(select(SecurityEvent)
                             .where(SecurityEvent.action == "account.sign_in_failed")).one()
    assert failed.data == {"known_account": True}


def test_a_round_phase_change_signs_a_checkpoint_in_the_same_transaction(session):
    fill(session, 2)
    audit.record(session, "system", "grants.round_phase_changed", "round", 1,
                 {"from": "draft", "to": "open", "reason": "ready"})
    checkpoint = session.scalars(select(AuditCheckpoint)).one()
    assert checkpoint.tree_size == 3 and checkpoint.reason == "grants.round_phase_changed"
    assert bytes.fromhex(checkpoint.root_hash) == audit.root_at(session, 3)
    session.rollback()
    assert session.scalar(select(AuditCheckpoint)) is None


def test_audit_verify_and_checkpoint_commands(app, session):
    fill(session, 3)
    result = run_cli(app, "audit", "checkpoint")
    assert result.exit_code == 0 and result.output.splitlines()[1] == "3"
    assert "Nothing appended" in run_cli(app, "audit", "checkpoint").output
    result = run_cli(app, "audit", "verify")
    assert result.exit_code == 0 and "3 events, 1 signed checkpoints" in result.output


def test_editing_a_row_is_refused_on_postgresql(session, database_url):
    fill(session, 2)
    engine = create_engine(database_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's; SQLite relies on the verifier")
    with engine.begin() as conn:
        with pytest.raises(DBAPIError, match="append-only"), conn.begin_nested():
            conn.execute(text("UPDATE audit_event SET payload = '{}' WHERE seq = 1"))
        with pytest.raises(DBAPIError, match="append-only"), conn.begin_nested():
            conn.execute(text("DELETE FROM audit_event WHERE seq = 2"))
        with pytest.raises(DBAPIError, match="TRUNCATE refused"), conn.begin_nested():
            conn.execute(text("TRUNCATE audit_event"))
        with pytest.raises(DBAPIError, match="TRUNCATE refused"), conn.begin_nested():
            conn.execute(text("TRUNCATE audit_checkpoint"))
    engine.dispose()


@pytest.mark.postgres_only
def test_concurrent_writers_keep_one_tree(app, database_url):
    engine = create_engine(database_url, pool_size=10)
    errors = []

    def write(worker):
        try:
            with app.app_context():
                for i in range(5):
                    with Session(engine) as s:
                        audit.record(s, "system", "grants.fund_themes_set", "fund", worker,
                                     {"themes": [str(i)]})
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
        report = verify_database(db.session)
        assert report.ok and report.checked == 40


def test_production_refuses_to_start_without_a_signing_key(monkeypatch, database_url):
    from commonpot.app import create_app
    from commonpot.config import ConfigError

    monkeypatch.setenv("COMMONPOT_ENV", "production")
    # Everything else production needs is in order, so only the missing key can refuse.
    monkeypatch.setenv("SECRET_KEY", "k3J9-vQ2xL7pR4tW8yB1nM6cF0dH5sZ2aE7uG3iO9")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://commonpot.example.org")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.delenv("AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("AUDIT_SIGNING_KEY_FILE", raising=False)
    with pytest.raises(ConfigError, match="commonpot audit keygen"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})


def test_keygen_writes_a_private_key_file_and_prints_the_public_key(app, tmp_path):
    from commonpot_verify.note import parse_signer

    path = tmp_path / "audit.key"
    result = run_cli(app, "audit", "keygen", "--out", str(path))
    assert result.exit_code == 0, result.output
    signer = parse_signer(path.read_text())
    assert str(signer.verifier) in result.output and str(signer) not in result.output
    assert path.stat().st_mode & 0o777 == 0o600
    again = run_cli(app, "audit", "keygen", "--out", str(path))
    assert again.exit_code != 0 and "not overwriting" in again.output
