"""`commonpot audit verify`: the same checks the independent verifier makes, run on the
database, plus the private fields' digests (which only the app can see)."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from commonpot.audit.checkpoints import all_checkpoints
from commonpot.audit.keys import keys
from commonpot.audit.log import iter_events
from commonpot_verify.log import LogReport, verify_log


def verify_database(session: Session, all_signatures: bool = False) -> LogReport:
    bad_private: list[int] = []

    def events():
        for event in iter_events(session):
            if event.private_payload is not None:
                digest = hashlib.sha256(event.private_payload.encode("utf-8")).hexdigest()
                if digest != event.private_digest and not bad_private:
                    bad_private.append(event.seq)
            yield event.as_public_dict()

    report = verify_log(events(), [c.note for c in all_checkpoints(session)], keys().verifier,
                        keys().origin, all_signatures=all_signatures)
    if report.ok and bad_private:
        report.fail(f"event #{bad_private[0]}: its private fields do not match their digest")
    return report
