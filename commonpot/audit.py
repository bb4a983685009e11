"""The hash-chained, append-only audit trail.

Every decision and state change is recorded by `record()` in the same transaction as the
change itself, so neither can exist without the other. Each event's hash covers its own
canonical JSON and the previous event's hash: editing or removing any row breaks the chain
from that row on, and `verify_chain()` names the first bad sequence number.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from commonpot.db import utcnow
from commonpot.extensions import db

GENESIS_HASH = "0" * 64
SYSTEM = "system"
# Any constant: the advisory lock that serialises appends on PostgreSQL.
_APPEND_LOCK_KEY = 0x436F6D6D6F6E  # "Common"


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject_type: Mapped[str] = mapped_column(String(60))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    # Canonical JSON text, stored exactly as hashed, so verification never depends on how a
    # database re-serialises JSON.
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    @property
    def data(self) -> dict:
        return json.loads(self.payload)

    def as_dict(self) -> dict:
        return {
            "seq": self.seq,
            "occurred_at": _timestamp(self.occurred_at),
            "actor": self.actor,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "payload": self.data,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(*, seq: int, occurred_at: datetime, actor: str, action: str, subject_type: str,
                 subject_id: str | None, payload: str, prev_hash: str) -> str:
    body = canonical_json({
        "seq": seq,
        "occurred_at": _timestamp(occurred_at),
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "payload": json.loads(payload),
        "prev_hash": prev_hash,
    })
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def actor_label(user) -> str:
    """'user:12' for a signed-in person, 'system' otherwise (cron, CLI without a user)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return SYSTEM
    return f"user:{user.id}"


def _serialise_appends(session: Session) -> None:
    """Make concurrent appenders queue so each reads the true last hash.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: a write statement that changes
    nothing still takes the database's single write lock for the rest of the transaction.
    Either way the primary key on seq means a lost race fails loudly, never forks the chain.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK_KEY})
    elif dialect == "sqlite":
        session.execute(text("UPDATE audit_event SET seq = seq WHERE 1 = 0"))


def record(session: Session, actor, action: str, subject_type: str, subject_id=None,
           data: dict | None = None) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction (never commits)."""
    actor_text = actor if isinstance(actor, str) else actor_label(actor)
    _serialise_appends(session)
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq = (last.seq + 1) if last else 1
    prev_hash = last.hash if last else GENESIS_HASH
    occurred_at = utcnow()
    payload = canonical_json(data or {})
    event = AuditEvent(
        seq=seq, occurred_at=occurred_at, actor=actor_text, action=action,
        subject_type=subject_type, subject_id=None if subject_id is None else str(subject_id),
        payload=payload, prev_hash=prev_hash,
    )
    event.hash = compute_hash(
        seq=seq, occurred_at=occurred_at, actor=actor_text, action=action,
        subject_type=subject_type, subject_id=event.subject_id, payload=payload,
        prev_hash=prev_hash,
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_bad_seq: int | None
    problem: str | None
    last_seq: int | None
    last_hash: str | None

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def _iter_events(session: Session, batch: int = 2000) -> Iterator[AuditEvent]:
    after = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def verify_events(events: Iterable[AuditEvent | dict]) -> ChainReport:
    """Recompute the chain. Works on rows or on the public JSON export alike."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last_seq = last_hash = None
    for item in events:
        row = item.as_dict() if isinstance(item, AuditEvent) else item
        seq = row["seq"]
        if seq != expected_seq:
            return ChainReport(checked, expected_seq, f"event {expected_seq} is missing", last_seq,
                               last_hash)
        if row["prev_hash"] != expected_prev:
            return ChainReport(checked, seq, "its prev_hash does not match the event before it",
                               last_seq, last_hash)
        occurred = row["occurred_at"]
        if isinstance(occurred, str):
            occurred = datetime.strptime(occurred, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        recomputed = compute_hash(
            seq=seq, occurred_at=occurred, actor=row["actor"], action=row["action"],
            subject_type=row["subject_type"], subject_id=row["subject_id"],
            payload=canonical_json(row["payload"]), prev_hash=row["prev_hash"],
        )
        if recomputed != row["hash"]:
            return ChainReport(checked, seq, "its contents do not match its hash", last_seq,
                               last_hash)
        checked += 1
        expected_prev = row["hash"]
        expected_seq += 1
        last_seq, last_hash = seq, row["hash"]
    return ChainReport(checked, None, None, last_seq, last_hash)


def verify_chain(session: Session) -> ChainReport:
    return verify_events(_iter_events(session))


def latest_checkpoint(session: Session) -> AuditEvent | None:
    return session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()


def events_page(session: Session, after: int = 0, limit: int = 500) -> list[AuditEvent]:
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(limit)
    ))
