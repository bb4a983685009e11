"""Many leaves at once (a closed round's board) and the streamed reading that `audit verify`,
the export and checkpoint signing use: they give exactly what one-by-one appends and the
object-by-object reading give, and a forged row is still caught."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from commonpot import audit
from commonpot.audit.export import export_lines
from commonpot.audit.log import iter_events
from commonpot_verify import merkle
from commonpot_verify.log import event_leaf_hash, export_line
from tests.audit.helpers import as_database_owner, checkpoint, fill
from tests.audit.test_tampering import _forge_next_event

BALLOTS = [{"ballot": f"{i:032x}", "home_district_id": 3, "votes": [[3, f"{i},{i + 1}", ""]]}
           for i in range(37)]


def test_a_batch_of_leaves_is_what_appending_them_one_by_one_makes(session):
    fill(session, 5)
    first, count = audit.append_leaves(session, "voting.ballot_published", BALLOTS, "voting_round", 7)
    session.commit()
    assert (first, count) == (5, 37)
    events = list(iter_events(session))
    assert [e.public_data for e in events[5:]] == BALLOTS
    assert all(e.subject_id == "7" and e.actor == "system" for e in events[5:])
    # Each leaf hashes its public fields; the stored nodes make the same tree as a naive count.
    leaves = [event_leaf_hash(e.as_public_dict()) for e in events]
    assert [leaf.hex() for leaf in leaves] == [e.leaf_hash for e in events]
    for size in (6, 16, 32, 42):
        assert audit.root_at(session, size) == merkle.naive_root(leaves[:size])
    proof = audit.inclusion_proof(session, 20, 42)
    merkle.verify_inclusion(20, 42, leaves[20], proof, merkle.naive_root(leaves))
    fill(session, 2, start=50)  # ordinary appends carry on from the batch
    assert audit.verify_database(session, all_signatures=True).ok
    session.rollback()


def test_a_batch_refuses_undeclared_fields(session):
    with pytest.raises(audit.UndeclaredAuditField):
        audit.append_leaves(session, "voting.ballot_published", [{"ballot": "x", "voter": 1}])
    session.rollback()


def test_the_streamed_export_is_the_object_by_object_export(session, make_user):
    user_id = make_user("pat@example.org")
    fill(session, 3)
    audit.record(session, f"user:{user_id}", "grants.application_withdrawn", "application", 4,
                 {"from": "submitted", "reason": "private «reason»"})
    audit.record(session, "system", "panels.member_added", "panel", None,
                 {"user_id": user_id, "role": "chair", "is_resident": True})
    audit.append_leaves(session, "voting.receipt_published", [{"receipt": "AB\"C\\D-ü"}],
                        "voting_round", 2)
    session.commit()
    checkpoint(session)
    streamed = [line for line in export_lines(session) if line.startswith('{"event"')]
    assert streamed == [export_line(e.as_public_dict()) for e in iter_events(session)]
    assert len(streamed) == 6
    session.rollback()


def test_a_row_stored_in_another_json_shape_is_read_as_the_rule_reads_it(session, database_url):
    """A payload written with other spacing (as before payloads were kept canonical) still
    hashes to its leaf: the streamed reader falls back to decoding it, as the rule says."""
    fill(session, 4)
    session.rollback()
    with as_database_owner(database_url) as conn:
        conn.execute(text("UPDATE audit_event SET payload = :p WHERE seq = 2"),
                     {"p": '{ "themes" : ["theme 1", "\\u00fcn\\u00efcode"] }'})
    assert audit.verify_database(session).ok
    session.rollback()


def test_a_checkpoint_after_a_batch_still_rechecks_rows_written_before_it(session, database_url):
    """Signing skips the re-check only for rows this transaction wrote itself: a forged row
    written before them (straight into the table) is still refused."""
    fill(session, 3)
    checkpoint(session)
    _forge_next_event(session, database_url)
    audit.append_leaves(session, "voting.ballot_published", BALLOTS[:3], "voting_round", 1)
    with pytest.raises(audit.AuditTampered, match="event #4"):
        audit.sign_checkpoint(session, reason="test")
    session.rollback()
    # Without the forgery, the same batch is covered without re-reading it.
    with as_database_owner(database_url) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 4"))
    audit.append_leaves(session, "voting.ballot_published", BALLOTS[:3], "voting_round", 1)
    made = audit.sign_checkpoint(session, reason="test")
    session.commit()
    assert made.tree_size == 6
    assert audit.verify_database(session).ok
    session.rollback()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_stored_tree_heads_match_a_naive_recount_at_random_sizes(session, data):
    """Appends one by one and in batches, in any mix: the tree head read from the stored
    nodes at any size is the RFC's root of the leaves recomputed from the events."""
    before = audit.tree_size(session)  # the same database serves every example
    runs = data.draw(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=4))
    for n in runs:
        if data.draw(st.booleans()):
            audit.append_leaves(session, "voting.ballot_published",
                                [BALLOTS[i % len(BALLOTS)] for i in range(n)], "voting_round", 1)
            session.commit()
        else:
            fill(session, n)
    leaves = [event_leaf_hash(e.as_public_dict()) for e in iter_events(session)]
    for grown in data.draw(st.lists(st.integers(min_value=1, max_value=sum(runs)), min_size=1,
                                    max_size=6)):
        size = before + grown
        assert audit.root_at(session, size) == merkle.naive_root(leaves[:size])
    session.rollback()
