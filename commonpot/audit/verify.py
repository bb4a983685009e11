"""`commonpot audit verify`: the same checks the independent verifier makes, run on the
database, plus the private fields' digests (which only the app can see). The rows are
streamed as leaf bytes (commonpot.audit.rows), so a million events take seconds."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commonpot.audit.checkpoints import AuditTampered, all_checkpoints
from commonpot.audit.keys import keys
from commonpot.audit.models import AuditEvent
from commonpot.audit.rows import leaf_rows
from commonpot_verify.log import LogReport, event_signature_ok, verify_log

STREAM_BATCH = 10_000


def private_digest_problem(session: Session) -> str | None:
    table = AuditEvent.__table__
    for seq, private_payload, private_digest in session.execute(
            select(table.c.seq, table.c.private_payload, table.c.private_digest)
            .where(table.c.private_payload.is_not(None)).order_by(table.c.seq)
            .execution_options(yield_per=STREAM_BATCH)):
        if hashlib.sha256(private_payload.encode("utf-8")).hexdigest() != private_digest:
            return f"event #{seq}: its private fields do not match their digest"
    return None


def verify_database(session: Session, all_signatures: bool = False) -> LogReport:
    report = verify_log(leaf_rows(session), [c.note for c in all_checkpoints(session)],
                        keys().verifier, keys().origin, all_signatures=all_signatures)
    if report.ok:
        problem = private_digest_problem(session)
        if problem:
            report.fail(problem)
    return report


def signed_payload(session: Session, action: str, subject_type: str, subject_id) -> dict:
    """The public payload of the latest `action` event about a subject, only if the event is
    as the app signed it: its leaf rebuilt from the stored columns matches its stated hash and
    the app's signature. A value the app relies on later (the board's hash a count must match)
    is read from here, not from a plain column a database administrator could rewrite along
    with the rows it describes. Raises AuditTampered if there is no such authentic event."""
    table = AuditEvent.__table__
    seq = session.scalar(select(func.max(table.c.seq)).where(
        table.c.action == action, table.c.subject_type == subject_type,
        table.c.subject_id == str(subject_id)))
    if seq is None:
        raise AuditTampered(f"the audit log has no {action} event for {subject_type} {subject_id}")
    row = next(leaf_rows(session, after=seq - 1, until=seq), None)
    if row is None:
        raise AuditTampered(f"event #{seq} could not be read back")
    _, leaf_bytes, stated, signature, leaf = row
    if leaf.hex() != stated or not event_signature_ok(keys().verifier, leaf, signature):
        raise AuditTampered(f"event #{seq} ({action}) is not as the app signed it")
    return json.loads(leaf_bytes)["payload"]
