"""The audit log's latest checkpoint in the open API: how big the log is and the hash that
pins it, so anyone can later check nothing was rewritten. Never an event's payload.

Reads whatever `commonpot.audit` offers: a signed checkpoint (Merkle log: tree size, root
hash, signed note) or, on the plain hash chain, its last event's sequence number and hash."""

from __future__ import annotations

from datetime import UTC, datetime

from commonpot.api.registry import resource, schema
from commonpot.extensions import db

schema("AuditCheckpoint", {
    "type": "object", "additionalProperties": False,
    "required": ["kind", "size", "root_hash", "note", "at", "verify_url"],
    "properties": {
        "kind": {"type": "string", "enum": ["signed_checkpoint", "chain_head"],
                 "description": "A signed Merkle tree head, or the latest hash of the hash chain."},
        "size": {"type": "integer", "minimum": 0, "description": "Events the checkpoint covers."},
        "root_hash": {"type": "string", "description": "Hex SHA-256 root (or chain head)."},
        "note": {"type": ["string", "null"], "description": "The signed note, where signed."},
        "at": {"type": ["string", "null"], "format": "date-time"},
        "verify_url": {"type": "string"},
    },
})


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def checkpoint_summary(found) -> dict | None:
    if found is None:
        return None
    if hasattr(found, "tree_size"):
        return {"kind": "signed_checkpoint", "size": int(found.tree_size),
                "root_hash": str(found.root_hash), "note": getattr(found, "note", None),
                "at": _iso(getattr(found, "signed_at", None)), "verify_url": "/audit"}
    if hasattr(found, "seq") and hasattr(found, "hash"):
        return {"kind": "chain_head", "size": int(found.seq), "root_hash": str(found.hash),
                "note": None, "at": _iso(getattr(found, "occurred_at", None)),
                "verify_url": "/audit/events.json"}
    return None


@resource("/audit/checkpoint", name="show_audit_checkpoint", schema="AuditCheckpoint",
          tag="Audit", summary="The audit log's latest checkpoint")
def show_audit_checkpoint():
    from commonpot import audit

    latest = getattr(audit, "latest_checkpoint", None)
    return checkpoint_summary(latest(db.session)) if callable(latest) else None
