"""`commonpot audit verify`: the same checks the independent verifier makes, run on the
database, plus the private fields' digests (which only the app can see). The rows are
streamed as leaf bytes (commonpot.audit.rows), so a million events take seconds."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot.audit.checkpoints import all_checkpoints
from commonpot.audit.keys import keys
from commonpot.audit.models import AuditEvent
from commonpot.audit.rows import leaf_rows
from commonpot_verify.log import LogReport, verify_log

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
