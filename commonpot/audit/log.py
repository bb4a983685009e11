"""Appending to the audit log and reading its tree: tree heads, subtree roots and proofs.

`record()` is the one way an event enters the log, inside the caller's transaction. It routes
security events to the security log, splits the payload into public and private fields by
`fields.py`, names people only by pseudonym, hashes the event as an RFC 6962 leaf, signs it,
and stores the tree nodes the append completed, so the next append reads only O(log n) rows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

from sqlalchemy import event as orm_event
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from commonpot.audit import fields
from commonpot.audit.keys import keys
from commonpot.audit.models import AuditEvent, AuditPerson, SecurityEvent, timestamp
from commonpot.db import insert_rows, utcnow
from commonpot_verify import merkle
from commonpot_verify.log import canonical_json, event_bytes, signature_message

# Rows this transaction appended, so that signing a checkpoint need not re-check them.
_OWN_APPENDS = "commonpot_audit_own_appends"
# Rows written per INSERT statement when many leaves are appended at once.
_BATCH = 500

SYSTEM = "system"
# Any constant: the advisory lock that serialises appends (and checkpoints) on PostgreSQL.
_APPEND_LOCK_KEY = 0x436F6D6D6F6E  # "Common"
_USER_ACTOR = re.compile(r"^user:(\d+)$")


def actor_label(user) -> str:
    """'user:12' for a signed-in person, 'system' otherwise (cron, CLI without a user)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return SYSTEM
    return f"user:{user.id}"


def serialise_appends(session: Session) -> None:
    """Make concurrent appenders queue so each reads the true tree state.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: a write statement that changes
    nothing still takes the database's single write lock for the rest of the transaction.
    Either way the primary key on seq means a lost race fails loudly, never forks the log.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK_KEY})
    elif dialect == "sqlite":
        session.execute(text("UPDATE audit_event SET seq = seq WHERE 1 = 0"))


# People --------------------------------------------------------------------------------------

def pseudonym(session: Session, user_id: int) -> str:
    """The stable pseudonym of a person: a keyed hash of their id and a random salt, made once
    and kept in audit_person (deleting that row unlinks them from the log)."""
    found = session.get(AuditPerson, int(user_id))
    if found is None:
        salt = secrets.token_hex(16)
        digest = hmac.new(keys().pseudonym_key, f"{int(user_id)}:{salt}".encode(), hashlib.sha256)
        found = AuditPerson(user_id=int(user_id), pseudonym="person-" + digest.hexdigest()[:20])
        session.add(found)
        session.flush()
    return found.pseudonym


def forget_person(session: Session, user_id: int) -> bool:
    """Erasure: remove the link between a person and their pseudonym. The log is untouched."""
    found = session.get(AuditPerson, int(user_id))
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def _user_id_of(actor) -> int | None:
    if actor is None or isinstance(actor, str):
        match = _USER_ACTOR.match(actor or "")
        return int(match.group(1)) if match else None
    if getattr(actor, "is_authenticated", False):
        return actor.id
    return None


def _public_actor(session: Session, actor) -> str:
    user_id = _user_id_of(actor)
    if user_id is not None:
        return pseudonym(session, user_id)
    return actor if isinstance(actor, str) else SYSTEM


def _person_value(session: Session, kind: str, value):
    if value is None:
        return None
    if kind == fields.PERSON:
        return pseudonym(session, value)
    return [[pseudonym(session, pair[0]), *pair[1:]] for pair in value]


# Appending -----------------------------------------------------------------------------------

def record(session: Session, actor, action: str, subject_type: str, subject_id=None,
           data: dict | None = None):
    """Append one event inside the caller's transaction (never commits). Returns the event."""
    data = dict(data or {})
    if action in fields.SECURITY_ACTIONS:
        return _record_security(session, actor, action, subject_type, subject_id, data)
    public, private, people = fields.split(action, data)
    serialise_appends(session)
    for name, kind in people.items():
        public[name] = _person_value(session, kind, public[name])
    if subject_id is not None and subject_type in fields.PERSON_SUBJECTS:
        subject_id = pseudonym(session, subject_id)
    event = _append(session, _public_actor(session, actor), action, subject_type,
                    None if subject_id is None else str(subject_id), public, private)
    if action in fields.CHECKPOINT_ACTIONS:
        from commonpot.audit.checkpoints import sign_checkpoint

        sign_checkpoint(session, reason=action)
    return event


def append_leaf(session: Session, kind: str, payload: dict, subject_type: str = "leaf",
                subject_id=None) -> AuditEvent:
    """Add a leaf that is not a person's action (a published ballot, say). `kind` and its
    fields must be declared in fields.py like any action. The leaf's index is event.leaf_index."""
    return record(session, SYSTEM, kind, subject_type, subject_id, payload)


def _record_security(session: Session, actor, action: str, subject_type: str, subject_id,
                     data: dict) -> SecurityEvent:
    user_id = _user_id_of(actor)
    if user_id is None and subject_type == "user" and subject_id is not None:
        user_id = int(subject_id)
    event = SecurityEvent(user_id=user_id, action=action, payload=canonical_json(data))
    session.add(event)
    session.flush()
    return event


def _append(session: Session, actor: str, action: str, subject_type: str, subject_id: str | None,
            public: dict, private: dict) -> AuditEvent:
    size = session.scalar(select(func.max(AuditEvent.seq))) or 0
    compact = compact_range(session, size)
    before = list(compact)
    private_payload, private_digest = _private_parts(private)
    event = AuditEvent(
        seq=size + 1, occurred_at=utcnow(), actor=actor, action=action, subject_type=subject_type,
        subject_id=subject_id, payload=canonical_json(public), private_payload=private_payload,
        private_digest=private_digest,
    )
    leaf = merkle.leaf_hash(event_bytes(event.leaf_fields()))
    completed = merkle.compact_append(compact, size, leaf)
    event.leaf_hash = leaf.hex()
    event.nodes = "".join(node.hex() for node in completed[1:])
    event.signature = base64.b64encode(keys().signer.sign(signature_message(leaf))).decode()
    session.add(event)
    session.flush()
    _note_own_appends(session, size, before, size + 1, compact)
    return event


def _private_parts(private: dict) -> tuple[str | None, str | None]:
    if not private:
        return None, None
    private_payload = canonical_json({"salt": secrets.token_hex(16), "fields": private})
    return private_payload, hashlib.sha256(private_payload.encode("utf-8")).hexdigest()


def append_leaves(session: Session, kind: str, payloads: Iterable[dict], subject_type: str = "leaf",
                  subject_id=None) -> tuple[int, int]:
    """Append many leaves that are nobody's action (a closed round's published ballots), in
    order, inside the caller's transaction. The same leaves as `append_leaf` one by one, but
    the compact range is read once and the rows are written in batches, so a board of
    100,000 ballots costs a hash, a signature and a row each. `kind` and its fields are
    declared in fields.py and may name no person. Returns (index of the first leaf, count)."""
    serialise_appends(session)
    session.flush()
    size = tree_size(session)
    start = size
    compact = compact_range(session, size)
    before = list(compact)
    signer = keys().signer
    occurred_at = utcnow()
    stamp = timestamp(occurred_at)
    subject = None if subject_id is None else str(subject_id)
    rows: list[dict] = []
    for data in payloads:
        public, private, people = fields.split(kind, dict(data))
        if people:
            raise fields.UndeclaredAuditField(f"a leaf of kind {kind!r} may not name people")
        private_payload, private_digest = _private_parts(private)
        size += 1
        leaf = merkle.leaf_hash(event_bytes({
            "seq": size, "occurred_at": stamp, "actor": SYSTEM, "action": kind,
            "subject_type": subject_type, "subject_id": subject, "payload": public,
            "private_digest": private_digest}))
        completed = merkle.compact_append(compact, size - 1, leaf)
        rows.append({
            "seq": size, "occurred_at": occurred_at, "actor": SYSTEM, "action": kind,
            "subject_type": subject_type, "subject_id": subject, "payload": canonical_json(public),
            "private_payload": private_payload, "private_digest": private_digest,
            "leaf_hash": leaf.hex(), "nodes": "".join(node.hex() for node in completed[1:]),
            "signature": base64.b64encode(signer.sign(signature_message(leaf))).decode()})
        if len(rows) >= _BATCH:
            insert_rows(session, AuditEvent.__table__, rows, _BATCH)
            rows = []
    insert_rows(session, AuditEvent.__table__, rows, _BATCH)
    _note_own_appends(session, start, before, size, compact)
    return start, size - start


def _note_own_appends(session: Session, size_before: int, compact_before: list[bytes],
                      size_after: int, compact_after: list[bytes]) -> None:
    """Remember the run of events this transaction appended and the tree's compact range before
    and after it: the app wrote them itself (holding the append lock), so a checkpoint signed
    in this transaction re-checks only the events before them."""
    own = session.info.get(_OWN_APPENDS)
    if own is None or own["size"] != size_before:
        own = {"from": size_before, "from_compact": list(compact_before)}
    own.update(size=size_after, compact=list(compact_after))
    session.info[_OWN_APPENDS] = own


def own_appends(session: Session) -> dict | None:
    return session.info.get(_OWN_APPENDS)


def note_checkpoint_signed(session: Session, size: int, compact: list[bytes]) -> None:
    """A checkpoint now covers everything: later appends in this transaction start a new run."""
    session.info[_OWN_APPENDS] = {"from": size, "from_compact": list(compact), "size": size,
                                  "compact": list(compact)}


@orm_event.listens_for(Session, "after_commit")
@orm_event.listens_for(Session, "after_rollback")
def _forget_own_appends(session: Session) -> None:
    session.info.pop(_OWN_APPENDS, None)


# Reading the tree ----------------------------------------------------------------------------

def tree_size(session: Session) -> int:
    return session.scalar(select(func.max(AuditEvent.seq))) or 0


def _node_of(leaf_hash: str, nodes: str, height: int) -> bytes:
    if height == 0:
        return bytes.fromhex(leaf_hash)
    part = nodes[(height - 1) * 64: height * 64]
    if len(part) != 64:
        raise merkle.ProofError("a stored tree node is missing")
    return bytes.fromhex(part)


def _perfect_nodes(session: Session, wanted: list[tuple[int, int]]) -> list[bytes]:
    """Roots of perfect subtrees given as (end, height): leaves [end - 2**height, end)."""
    if not wanted:
        return []
    rows = {row.seq: row for row in session.execute(
        select(AuditEvent.seq, AuditEvent.leaf_hash, AuditEvent.nodes)
        .where(AuditEvent.seq.in_({end for end, _ in wanted})))}
    try:
        return [_node_of(rows[end].leaf_hash, rows[end].nodes, height) for end, height in wanted]
    except KeyError as exc:
        raise merkle.ProofError(f"event #{exc.args[0]} is missing from the log") from None


def compact_range(session: Session, size: int) -> list[bytes]:
    return _perfect_nodes(session, merkle.compact_range_ends(size))


def root_at(session: Session, size: int) -> bytes:
    return merkle.compact_root(compact_range(session, size))


def subtree_root(session: Session, start: int, end: int) -> bytes:
    wanted = []
    position = start
    for height in range((end - start).bit_length() - 1, -1, -1):
        if (end - start) >> height & 1:
            position += 1 << height
            wanted.append((position, height))
    return merkle.compact_root(_perfect_nodes(session, wanted))


def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
    if size > tree_size(session):
        raise merkle.ProofError(f"the log has fewer than {size} events")
    return merkle.inclusion_proof(index, size, lambda a, b: subtree_root(session, a, b))


def consistency_proof(session: Session, size1: int, size2: int) -> list[bytes]:
    if size2 > tree_size(session):
        raise merkle.ProofError(f"the log has fewer than {size2} events")
    return merkle.consistency_proof(size1, size2, lambda a, b: subtree_root(session, a, b))


def proof_bundle(session: Session, index: int, size: int) -> dict:
    """The proof that leaf `index` is in the tree of `size`, with the event and the signed
    checkpoint of that size (if one was signed): what `commonpot-verify proof` checks offline."""
    from commonpot.audit.checkpoints import checkpoint_of_size

    hashes = inclusion_proof(session, index, size)
    event = session.get(AuditEvent, index + 1)
    checkpoint = checkpoint_of_size(session, size)
    return {"index": index, "size": size, "leaf_hash": event.leaf_hash,
            "hashes": [h.hex() for h in hashes], "event": event.as_public_dict(),
            "checkpoint": checkpoint.note if checkpoint else None}


def events_page(session: Session, after: int = 0, limit: int = 500) -> list[AuditEvent]:
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(limit)))


def iter_events(session: Session, batch: int = 2000):
    after = 0
    while True:
        rows = events_page(session, after, batch)
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


__all__ = ["SYSTEM", "actor_label", "append_leaf", "append_leaves", "forget_person", "pseudonym", "record",
           "timestamp"]
