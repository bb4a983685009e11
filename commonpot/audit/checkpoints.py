"""Signed checkpoints: the app's signature over the whole tree at a size.

A checkpoint is signed only after the app has re-checked every event it newly covers (its
leaf recomputed from its contents, its signature, its place) and that the tree still extends
the previous checkpoint. So a row written straight into the database is refused here rather
than blessed, and a verifier can trust every event inside a checkpoint it has verified.
Signed at every round phase change (see fields.CHECKPOINT_ACTIONS) and by
`commonpot audit checkpoint`, which cron runs at least every 15 minutes.
"""

from __future__ import annotations

import base64

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonpot.audit.keys import keys
from commonpot.audit.log import (
    compact_range,
    note_checkpoint_signed,
    own_appends,
    serialise_appends,
    tree_size,
)
from commonpot.audit.models import AuditCheckpoint
from commonpot.audit.rows import leaf_rows
from commonpot_verify import merkle
from commonpot_verify.log import event_signature_ok
from commonpot_verify.note import Checkpoint
from commonpot_verify.note import sign_checkpoint as sign_note_checkpoint


class AuditTampered(RuntimeError):
    """The log no longer matches what the app wrote: no checkpoint will be signed over it."""


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc(),
                                                            AuditCheckpoint.id.desc()).limit(1)).first()


def checkpoint_of_size(session: Session, size: int) -> AuditCheckpoint | None:
    return session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.tree_size == size)
                           .order_by(AuditCheckpoint.id.desc()).limit(1)).first()


def all_checkpoints(session: Session) -> list[AuditCheckpoint]:
    return list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size,
                                                                 AuditCheckpoint.id)))


def sign_checkpoint(session: Session, reason: str) -> AuditCheckpoint | None:
    """Sign the current tree head if anything was appended since the last checkpoint.

    Returns the new checkpoint, or None when there is nothing new. Raises AuditTampered when
    the events since the last checkpoint are not the app's own. Never commits.
    """
    serialise_appends(session)
    size = tree_size(session)
    previous = latest_checkpoint(session)
    start = previous.tree_size if previous else 0
    if size < start:
        raise AuditTampered(f"the log has {size} events but checkpoint {previous.id} covers {start}")
    if previous and size == start:
        return None
    compact = compact_range(session, start) if start else []
    if previous and merkle.compact_root(compact).hex() != previous.root_hash:
        raise AuditTampered(f"the stored tree no longer matches checkpoint {previous.id}")
    # Events this transaction appended itself need no re-check: only those before them.
    own = own_appends(session)
    if own is not None and own["size"] == size and own["from"] >= start:
        check_until = own["from"]
    else:
        own, check_until = None, size
    verifier = keys().verifier
    signed_seen = bool(previous)
    position = start
    for seq, _data, stated, signature, leaf in leaf_rows(session, after=start, until=check_until):
        position += 1
        if seq != position:
            raise AuditTampered(f"event #{position} is missing or out of place")
        if leaf.hex() != stated:
            raise AuditTampered(f"event #{position}: its contents do not match its leaf hash")
        if signature is None and not signed_seen:
            pass  # written before signatures began; this first checkpoint adopts it
        elif not event_signature_ok(verifier, leaf, signature):
            raise AuditTampered(f"event #{position}: its signature does not match its contents")
        else:
            signed_seen = True
        merkle.compact_append(compact, position - 1, leaf)
    if position < check_until:
        raise AuditTampered(f"event #{position + 1} is missing")
    if own is not None:
        if compact != own["from_compact"]:
            raise AuditTampered(f"the stored tree before event #{check_until + 1} does not match "
                                f"the checked events")
        compact = list(own["compact"])
    root = merkle.compact_root(compact)
    note = sign_note_checkpoint(Checkpoint(keys().origin, size, root), keys().signer)
    checkpoint = AuditCheckpoint(tree_size=size, root_hash=root.hex(), note=note, reason=reason[:100])
    session.add(checkpoint)
    session.flush()
    note_checkpoint_signed(session, size, compact)
    return checkpoint


def root_base64(checkpoint: AuditCheckpoint) -> str:
    return base64.b64encode(bytes.fromhex(checkpoint.root_hash)).decode()
