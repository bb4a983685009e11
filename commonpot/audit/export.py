"""`commonpot audit export`: the public log as JSON lines, the format commonpot-verify reads.

Line 1 is a header (origin, verifier key, size); then one line per event ({"event": its leaf
fields, "leaf_hash", "signature", "type": "event"} in canonical JSON, see
commonpot_verify.log.export_line); then one line per signed checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from commonpot.audit.checkpoints import all_checkpoints
from commonpot.audit.keys import keys
from commonpot.audit.log import iter_events, tree_size
from commonpot.audit.models import timestamp
from commonpot.db import utcnow
from commonpot_verify.log import canonical_json, export_line


def export_lines(session: Session) -> Iterator[str]:
    yield canonical_json({"type": "log", "origin": keys().origin,
                          "verifier_key": str(keys().verifier), "size": tree_size(session),
                          "exported_at": timestamp(utcnow())})
    for event in iter_events(session):
        yield export_line(event.as_public_dict())
    for checkpoint in all_checkpoints(session):
        yield canonical_json({"type": "checkpoint", **checkpoint.as_dict()})
