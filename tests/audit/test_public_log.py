"""What the public sees: no personal data or private text in any public audit response, and
proofs anyone can check offline against a signed checkpoint."""

import io
import json

from sqlalchemy import select

from commonpot import audit
from commonpot.audit import fields
from commonpot.audit.keys import keys
from commonpot_verify import cli as verify_cli
from tests.audit.helpers import checkpoint, fill
from tests.helpers import post_form


def _public_responses(client):
    """Every public audit response, whole: pages, JSON, notes and every proof."""
    bodies = [client.get(url).get_data(as_text=True) for url in (
        "/audit", "/audit/key.json", "/audit/checkpoint", "/audit/checkpoints.json")]
    after = 0
    while True:
        page = client.get(f"/audit/events.json?after={after}&limit=50")
        bodies.append(page.get_data(as_text=True))
        body = page.get_json()
        if body["next_after"] is None:
            break
        after = body["next_after"]
    size = client.get("/audit/checkpoints.json").get_json()["checkpoints"][-1]["size"]
    for index in range(size):
        bodies.append(client.get(f"/audit/proof/inclusion?index={index}&size={size}").get_data(as_text=True))
    for older in range(1, size):
        bodies.append(client.get(f"/audit/proof/consistency?from={older}&to={size}").get_data(as_text=True))
    return bodies


def test_no_private_value_reaches_any_public_response(app, client, make_user, session):
    """Every declared action is recorded with a marker in every field; private markers, people's
    ids and emails and sign-ins must appear in no public response. Person fields appear as
    pseudonyms."""
    people = {email: make_user(email) for email in ("rita@example.org", "omar@example.org")}
    rita, omar = (people["rita@example.org"], people["omar@example.org"])
    rita_id, omar_id = (rita.id, omar.id) if hasattr(rita, "id") else (rita, omar)
    post_form(client, "/login", {"email": "rita@example.org", "password": "wrong-wrong-wrong"})
    sign_in_page = post_form(client, "/login", {"email": "omar@example.org", "password": "wrong-again-x"})
    assert sign_in_page.status_code == 200
    private_markers = []
    for action, declared in fields.ACTIONS.items():
        data = {}
        for name, kind in declared.items():
            if kind == fields.PRIVATE:
                marker = f"SECRET-{action}-{name}"
                private_markers.append(marker)
                data[name] = marker
            elif kind == fields.PERSON:
                data[name] = rita_id
            elif kind == fields.PAIRS:
                data[name] = [[omar_id, 7]]
            else:
                data[name] = f"public-{name}"
        audit.record(session, f"user:{omar_id}", action, "user", rita_id, data)
    session.commit()
    checkpoint(session)
    pseudonyms = {audit.pseudonym(session, rita_id), audit.pseudonym(session, omar_id)}
    session.commit()

    bodies = _public_responses(client)
    everything = "\n".join(bodies)
    leaked = [marker for marker in private_markers if marker in everything]
    assert not leaked, leaked
    for forbidden in ("rita@example.org", "omar@example.org", f"user:{rita_id}", f"user:{omar_id}",
                      "sign_in", "signed_in", "known_account"):
        assert forbidden not in everything, forbidden
    events = client.get("/audit/events.json?limit=2000").get_json()["events"]
    assert {e["actor"] for e in events} == {audit.pseudonym(session, omar_id)}
    assert {e["subject_id"] for e in events} == {audit.pseudonym(session, rita_id)}
    member = next(e for e in events if e["action"] == "panels.member_added")
    assert member["payload"]["user_id"] in pseudonyms
    withdrawn = next(e for e in events if e["action"] == "grants.application_withdrawn")
    assert "reason" not in withdrawn["payload"] and withdrawn["private_digest"]
    # the app itself still has the private text, fixed by the digest in the leaf
    row = session.scalars(select(audit.AuditEvent).where(
        audit.AuditEvent.action == "grants.application_withdrawn")).one()
    assert row.data["reason"] == "SECRET-grants.application_withdrawn-reason"
    assert audit.verify_database(session).ok


def test_forgetting_a_person_unlinks_them_and_keeps_the_log_whole(session, make_user):
    user = make_user("erin@example.org")
    user_id = user.id if hasattr(user, "id") else user
    audit.record(session, "system", "panels.member_added", "panel", 1,
                 {"user_id": user_id, "role": "reviewer", "is_resident": False})
    session.commit()
    name = audit.pseudonym(session, user_id)
    assert audit.forget_person(session, user_id)
    session.commit()
    assert session.get(audit.AuditPerson, user_id) is None
    assert audit.pseudonym(session, user_id) != name  # a new person as far as the log can tell
    session.rollback()
    assert audit.verify_database(session).ok


def test_a_receipts_inclusion_proof_verifies_offline_against_a_signed_checkpoint(client, session, tmp_path):
    fill(session, 6)
    leaf = audit.append_leaf(session, "voting.board_published",
                             {"board_sha256": "ab" * 32, "ballots": 3, "turnout": {}})
    index = leaf.leaf_index
    session.commit()
    fill(session, 4, start=10)
    checkpoint(session)
    bundle = client.get(f"/audit/proof/inclusion?index={index}").get_json()
    assert bundle["size"] == 11 and bundle["checkpoint"].startswith(keys_origin(client) + "\n11\n")
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(bundle))
    key = client.get("/audit/key.json").get_json()["verifier_key"]
    out = io.StringIO()
    assert verify_cli.main(["proof", str(path), "--key", key], out=out) == 0, out.getvalue()
    assert f"leaf {index} is in the signed tree of 11" in out.getvalue()
    # the same proof for a different event, or against another key, fails
    bundle["event"]["payload"]["ballots"] = 4
    path.write_text(json.dumps(bundle))
    out = io.StringIO()
    assert verify_cli.main(["proof", str(path), "--key", key], out=out) == 1
    assert "does not match" in out.getvalue()


def keys_origin(client):
    return client.get("/audit/key.json").get_json()["origin"]


def test_consistency_proofs_and_the_audit_page(client, session, app):
    fill(session, 3)
    checkpoint(session)
    fill(session, 4, start=3)
    checkpoint(session)
    proof = client.get("/audit/proof/consistency?from=3&to=7").get_json()
    assert proof["from"] == 3 and len(proof["hashes"]) > 0
    assert client.get("/audit/proof/consistency?from=5&to=99").status_code == 400
    assert client.get("/audit/proof/inclusion?index=9&size=3").status_code == 400
    page = client.get("/audit").get_data(as_text=True)
    with app.app_context():
        assert str(keys().verifier) in page
    assert "\n7\n" in client.get("/audit/checkpoint").get_data(as_text=True)
