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
from commonpot.audit.log import tree_size
from commonpot.audit.models import timestamp
from commonpot.audit.rows import leaf_rows
from commonpot.db import utcnow
from commonpot_verify.log import canonical_json


def _json_text(value: str | None) -> str:
    return "null" if value is None else canonical_json(value)


def export_lines(session: Session) -> Iterator[str]:
    yield canonical_json({"type": "log", "origin": keys().origin,
                          "verifier_key": str(keys().verifier), "size": tree_size(session),
                          "exported_at": timestamp(utcnow())})
    # Each line's event is the leaf's own canonical JSON, as streamed for verification: the
    # same bytes export_line() would write, without building each event as objects first.
    for _seq, data, stated, signature, _leaf in leaf_rows(session):
        yield ('{"event":' + data.decode("utf-8") + ',"leaf_hash":' + _json_text(stated)
               + ',"signature":' + _json_text(signature) + ',"type":"event"}')
    for checkpoint in all_checkpoints(session):
        yield canonical_json({"type": "checkpoint", **checkpoint.as_dict()})
