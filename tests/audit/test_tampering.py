"""Tampering as a database owner would: each attack is named by `commonpot audit verify`, by
the independent verifier reading an export, and (for a cut tail) by a witness."""

import io
import json

import pytest
from sqlalchemy import text

from commonpot import audit
from commonpot.audit.keys import keys
from commonpot_verify import cli as verify_cli
from commonpot_verify import merkle
from commonpot_verify.log import event_bytes
from tests.audit.helpers import as_database_owner, checkpoint, fill
from tests.helpers import run_cli


def _client_fetch(client):
    def fetch(url):
        response = client.get(url.replace("http://commonpot.test", ""))
        assert response.status_code in (200, 404), (url, response.status_code)
        return response.get_data()
    return fetch


def _verify_export(app, tmp_path, *extra):
    path = tmp_path / "log.jsonl"
    result = run_cli(app, "audit", "export", str(path))
    assert result.exit_code == 0, result.output
    out = io.StringIO()
    code = verify_cli.main(["log", str(path), "--key", str(keys_of(app).verifier), *extra], out=out)
    return code, out.getvalue()


def keys_of(app):
    with app.app_context():
        return keys()


def _named(app, tmp_path, expected):
    """Both verifiers fail, and both name `expected`."""
    result = run_cli(app, "audit", "verify")
    assert result.exit_code == 1 and expected in result.output, result.output
    code, output = _verify_export(app, tmp_path)
    assert code == 1 and expected in output, output


def test_an_untouched_log_verifies_everywhere(app, session, tmp_path, client):
    fill(session, 5)
    checkpoint(session)
    fill(session, 2, start=5)
    assert run_cli(app, "audit", "verify").exit_code == 0
    code, output = _verify_export(app, tmp_path)
    assert code == 0 and "OK: 7 events, 1 signed checkpoints" in output, output
    out = io.StringIO()
    code = verify_cli.main(["log", "http://commonpot.test/", "--all-signatures"],
                           fetch=_client_fetch(client), out=out)
    assert code == 0 and "OK: 7 events" in out.getvalue()


def test_rewriting_an_event_is_named(app, session, database_url, tmp_path):
    fill(session, 5)
    checkpoint(session)
    with as_database_owner(database_url) as conn:
        conn.execute(text("UPDATE audit_event SET payload = :p WHERE seq = 3"),
                     {"p": '{"themes":["rewritten"]}'})
    _named(app, tmp_path, "event #3")


def test_rewriting_an_event_and_its_leaf_hash_is_named_by_its_signature(app, session, database_url,
                                                                       tmp_path):
    fill(session, 5)
    with app.app_context():
        event = session.get(audit.AuditEvent, 4).as_public_dict()
    event["payload"] = {"themes": ["rewritten"]}
    forged_leaf = merkle.leaf_hash(event_bytes(event)).hex()
    session.rollback()
    with as_database_owner(database_url) as conn:
        conn.execute(text("UPDATE audit_event SET payload = :p, leaf_hash = :h WHERE seq = 4"),
                     {"p": '{"themes":["rewritten"]}', "h": forged_leaf})
    _named(app, tmp_path, "event #4: its signature does not match")


def _forge_next_event(session, database_url):
    """Append a row with a correctly computed leaf hash and tree nodes, but no app signature."""
    size = audit.tree_size(session)
    compact = [] if size == 0 else audit.log.compact_range(session, size)
    last = session.get(audit.AuditEvent, size)
    event = {"seq": size + 1, "occurred_at": last.as_public_dict()["occurred_at"], "actor": "system",
             "action": "panels.award_decided", "subject_type": "application", "subject_id": "9",
             "payload": {"amount_pence": 9_999_999}, "private_digest": None}
    leaf = merkle.leaf_hash(event_bytes(event))
    completed = merkle.compact_append(compact, size, leaf)
    session.rollback()
    with as_database_owner(database_url) as conn:
        conn.execute(text(
            "INSERT INTO audit_event (seq, occurred_at, actor, action, subject_type, subject_id, "
            "payload, leaf_hash, nodes, signature) VALUES (:seq, :at, 'system', "
            "'panels.award_decided', 'application', '9', :payload, :leaf, :nodes, :sig)"),
            {"seq": size + 1, "at": last.occurred_at, "payload": '{"amount_pence":9999999}',
             "leaf": leaf.hex(), "nodes": "".join(n.hex() for n in completed[1:]),
             "sig": last.signature})  # a real signature, lifted from another event


def test_appending_a_forged_event_with_a_valid_hash_is_named(app, session, database_url, tmp_path):
    fill(session, 5)
    checkpoint(session)
    _forge_next_event(session, database_url)
    _named(app, tmp_path, "event #6: its signature does not match")
    # and the app will not sign a checkpoint over it
    result = run_cli(app, "audit", "checkpoint")
    assert result.exit_code == 1 and "event #6" in result.output


def test_deleting_the_tail_is_named_by_the_verifier_and_the_witness(app, session, database_url,
                                                                    tmp_path, client):
    fill(session, 5)
    checkpoint(session)
    state = tmp_path / "witness.json"
    fetch = _client_fetch(client)
    out = io.StringIO()
    assert verify_cli.main(["witness", "http://commonpot.test/", "--state", str(state)],
                           fetch=fetch, out=out) == 0, out.getvalue()
    with as_database_owner(database_url) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq > 3"))
    _named(app, tmp_path, "events were removed from the end")
    # A thorough attacker removes the checkpoints too and signs a new, shorter one: the
    # verifier on the site alone is satisfied, the witness is not.
    with as_database_owner(database_url) as conn:
        conn.execute(text("DELETE FROM audit_checkpoint"))
    checkpoint(session)
    assert run_cli(app, "audit", "verify").exit_code == 0
    out = io.StringIO()
    assert verify_cli.main(["witness", "http://commonpot.test/", "--state", str(state)],
                           fetch=fetch, out=out) == 1
    assert "ROLLBACK" in out.getvalue() and "covers 3 events" in out.getvalue()
    # ... and the checkpoint the witness kept makes the full verifier name it as well
    note = tmp_path / "held.note"
    note.write_text(json.loads(state.read_text())["note"])
    code, output = _verify_export(app, tmp_path, "--checkpoint", str(note))
    assert code == 1 and "rolled back" in output


def test_a_fork_is_named_by_the_witness(app, session, database_url, tmp_path, client):
    fill(session, 3)
    checkpoint(session)
    state = tmp_path / "witness.json"
    fetch = _client_fetch(client)
    assert verify_cli.main(["witness", "http://commonpot.test/", "--state", str(state)],
                           fetch=fetch, out=io.StringIO()) == 0
    with as_database_owner(database_url) as conn:
        conn.execute(text("DELETE FROM audit_checkpoint"))
        conn.execute(text("DELETE FROM audit_event"))
    fill(session, 5, start=100)
    checkpoint(session)
    out = io.StringIO()
    assert verify_cli.main(["witness", "http://commonpot.test/", "--state", str(state)],
                           fetch=fetch, out=out) == 1
    assert "FORK" in out.getvalue()


def test_reordering_two_events_is_named(app, session, database_url, tmp_path):
    fill(session, 5)
    checkpoint(session)
    with as_database_owner(database_url) as conn:
        conn.execute(text("UPDATE audit_event SET seq = -1 WHERE seq = 2"))
        conn.execute(text("UPDATE audit_event SET seq = 2 WHERE seq = 3"))
        conn.execute(text("UPDATE audit_event SET seq = 3 WHERE seq = -1"))
    # Each leaf commits to its own number, so a renumbered row no longer matches its hash.
    _named(app, tmp_path, "event #2: its contents do not match")


def test_reordering_two_events_in_an_export_is_named(app, session, tmp_path):
    fill(session, 5)
    checkpoint(session)
    path = tmp_path / "log.jsonl"
    assert run_cli(app, "audit", "export", str(path)).exit_code == 0
    lines = path.read_text().splitlines()
    lines[2], lines[3] = lines[3], lines[2]  # events 2 and 3 (line 0 is the header)
    path.write_text("\n".join(lines) + "\n")
    out = io.StringIO()
    assert verify_cli.main(["log", str(path)], out=out) == 1
    assert "position 2 says it is #3" in out.getvalue()


def test_truncating_the_table_is_named(app, session, database_url, tmp_path):
    fill(session, 5)
    checkpoint(session)
    with as_database_owner(database_url) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE audit_event"))
        else:
            conn.execute(text("DELETE FROM audit_event"))
    _named(app, tmp_path, "the log has 0 events but a signed checkpoint covers 5")


@pytest.mark.postgres_only
def test_truncate_is_refused_on_postgresql(session, database_url):
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError

    fill(session, 2)
    engine = create_engine(database_url)
    with pytest.raises(DBAPIError, match="TRUNCATE refused"), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_event CASCADE"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar() == 2
    engine.dispose()
