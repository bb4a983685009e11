"""The audit tables: the public Merkle log, its signed checkpoints, the private security log,
and the pseudonym of each person the log names."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from commonpot.db import utcnow
from commonpot.extensions import db


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AuditEvent(db.Model):
    """One leaf of the log. Append-only: PostgreSQL triggers refuse UPDATE, DELETE, TRUNCATE."""

    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "system", or a person's pseudonym: never a user id.
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject_type: Mapped[str] = mapped_column(String(60))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    # The public fields, as canonical JSON text exactly as hashed into the leaf.
    payload: Mapped[str] = mapped_column(Text)
    # The private fields with a random salt (never published); the leaf carries their digest.
    private_payload: Mapped[str | None] = mapped_column(Text)
    private_digest: Mapped[str | None] = mapped_column(String(64))
    leaf_hash: Mapped[str] = mapped_column(String(64))
    # Hex of the tree nodes this append completed above the leaf (heights 1, 2, ...): with
    # them any subtree root, tree head or proof is a few row reads, and appends stay O(log n).
    nodes: Mapped[str] = mapped_column(Text, default="")
    # Ed25519 over the leaf hash, by the app's key (which is never in the database). Null only
    # for events written before signatures began (migration 0009), which a checkpoint covers.
    signature: Mapped[str | None] = mapped_column(String(100))

    @property
    def leaf_index(self) -> int:
        return self.seq - 1

    @property
    def public_data(self) -> dict:
        return json.loads(self.payload)

    @property
    def private_data(self) -> dict:
        return json.loads(self.private_payload)["fields"] if self.private_payload else {}

    @property
    def data(self) -> dict:
        """Everything recorded (for the app's own use; never for a public page)."""
        return {**self.public_data, **self.private_data}

    def leaf_fields(self) -> dict:
        return {
            "seq": self.seq,
            "occurred_at": timestamp(self.occurred_at),
            "actor": self.actor,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "payload": self.public_data,
            "private_digest": self.private_digest,
        }

    def as_public_dict(self) -> dict:
        return {**self.leaf_fields(), "leaf_hash": self.leaf_hash, "signature": self.signature}

    as_dict = as_public_dict


class AuditCheckpoint(db.Model):
    """A signed tree head (C2SP signed note). Append-only like the events."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)

    def as_dict(self) -> dict:
        return {"size": self.tree_size, "root_hash": self.root_hash, "note": self.note,
                "reason": self.reason, "signed_at": timestamp(self.signed_at)}


class SecurityEvent(db.Model):
    """Sign-ins and other account security events: for administrators, never published."""

    __tablename__ = "security_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def data(self) -> dict:
        return json.loads(self.payload)


class AuditPerson(db.Model):
    """The pseudonym under which the public log names a person. Deleting the row (an erasure
    request) leaves the log intact but no longer linkable to them."""

    __tablename__ = "audit_person"

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    pseudonym: Mapped[str] = mapped_column(String(40), unique=True)
