"""Receipts: an inclusion proof bundle that anyone can check offline against a signed checkpoint."""

from __future__ import annotations

from commonpot_verify import merkle
from commonpot_verify.log import event_leaf_hash
from commonpot_verify.note import Checkpoint, Verifier, open_checkpoint


def verify_inclusion_bundle(bundle: dict, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    """Raise (ProofError or NoteError) unless the bundle's leaf is in its signed checkpoint's tree.

    A bundle is what /audit/proof/inclusion returns: index, size, leaf_hash, hashes (hex),
    checkpoint (a signed note of that size) and, optionally, the event itself.
    """
    if not bundle.get("checkpoint"):
        raise merkle.ProofError("the proof carries no signed checkpoint to check it against")
    checkpoint = open_checkpoint(bundle["checkpoint"], verifier, origin)
    if checkpoint.size != bundle["size"]:
        raise merkle.ProofError(f"the proof is for a tree of {bundle['size']} but the checkpoint "
                                f"covers {checkpoint.size}")
    leaf = bytes.fromhex(bundle["leaf_hash"])
    if bundle.get("event") is not None and event_leaf_hash(bundle["event"]) != leaf:
        raise merkle.ProofError("the event does not match the proof's leaf hash")
    merkle.verify_inclusion(bundle["index"], bundle["size"], leaf,
                            [bytes.fromhex(h) for h in bundle["hashes"]], checkpoint.root)
    return checkpoint
