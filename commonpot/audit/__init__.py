"""The audit log: an RFC 6962 Merkle tree of signed events, with signed checkpoints.

Operations call `record()` in the same transaction as the change they record. Modules:
    fields.py       which payload fields are public, private or people (the one registry)
    models.py       the tables
    keys.py         the signing key (never in the database) and the log's origin
    log.py          appending, pseudonyms, tree heads and proofs
    checkpoints.py  signed tree heads
    verify.py       `commonpot audit verify`
The verifier itself (leaf format, Merkle proofs, signed notes) is commonpot_verify, which has
no Flask or database code so anyone can run it.
"""

from commonpot.audit.checkpoints import AuditTampered, latest_checkpoint, sign_checkpoint
from commonpot.audit.fields import UndeclaredAuditField
from commonpot.audit.keys import init_app
from commonpot.audit.log import (
    SYSTEM,
    actor_label,
    append_leaf,
    append_leaves,
    consistency_proof,
    events_page,
    forget_person,
    inclusion_proof,
    proof_bundle,
    pseudonym,
    record,
    root_at,
    tree_size,
)
from commonpot.audit.models import AuditCheckpoint, AuditEvent, AuditPerson, SecurityEvent
from commonpot.audit.verify import verify_database

verify_chain = verify_database  # the name callers used before the Merkle log

__all__ = [
    "SYSTEM", "AuditCheckpoint", "AuditEvent", "AuditPerson", "AuditTampered", "SecurityEvent",
    "UndeclaredAuditField", "actor_label", "append_leaf", "append_leaves", "consistency_proof",
    "events_page", "forget_person", "inclusion_proof", "init_app", "latest_checkpoint",
    "proof_bundle", "pseudonym", "record", "root_at", "sign_checkpoint", "tree_size",
    "verify_chain", "verify_database",
]
