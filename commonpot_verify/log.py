"""Check a whole audit log: every event's signature and place, every checkpoint's signature
and root, and that nothing a checkpoint covered has gone.

An event is a JSON object; its leaf is SHA-256(0x00 || canonical JSON of LEAF_FIELDS), where
canonical JSON has sorted keys, no spaces and UTF-8 text. The app signs each event with
Ed25519 over EVENT_SIGNATURE_PREFIX + leaf hash, and signs checkpoints (signed notes) over
the tree. A checkpoint is signed only after the app has checked every event it newly covers,
so events inside a verified checkpoint are authenticated by its root; events after the last
checkpoint are authenticated one by one by their own signatures.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from commonpot_verify import merkle
from commonpot_verify.note import Checkpoint, NoteError, Verifier, open_checkpoint

LEAF_FIELDS = ("seq", "occurred_at", "actor", "action", "subject_type", "subject_id", "payload",
               "private_digest")
EVENT_SIGNATURE_PREFIX = b"commonpot audit event v1\n"


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_bytes(event: dict) -> bytes:
    return canonical_json({name: event[name] for name in LEAF_FIELDS}).encode("utf-8")


def event_leaf_hash(event: dict) -> bytes:
    return merkle.leaf_hash(event_bytes(event))


def signature_message(leaf: bytes) -> bytes:
    return EVENT_SIGNATURE_PREFIX + leaf


def event_signature_ok(verifier: Verifier, leaf: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
    except binascii.Error:
        return False
    return verifier.verify(signature_message(leaf), raw)


@dataclass
class LogReport:
    checked: int = 0
    problem: str | None = None
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    checkpoints: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None

    def fail(self, problem: str) -> LogReport:
        self.problem = problem
        return self


def verify_log(events: Iterable[dict], checkpoint_notes: Iterable[str], verifier: Verifier,
               origin: str | None = None, trusted: Iterable[Checkpoint] = (),
               all_signatures: bool = False) -> LogReport:
    """Check the log; the report names the first failure found."""
    report = LogReport()
    checkpoints: list[Checkpoint] = []
    for number, note in enumerate(checkpoint_notes, start=1):
        try:
            checkpoint = open_checkpoint(note, verifier, origin)
        except NoteError as exc:
            return report.fail(f"checkpoint {number}: {exc}")
        if checkpoints and checkpoint.size < checkpoints[-1].size:
            return report.fail(f"checkpoint {number} (size {checkpoint.size}) is smaller than the "
                               f"one before it (size {checkpoints[-1].size}): the log was rolled back")
        checkpoints.append(checkpoint)
    report.checkpoints = len(checkpoints)

    leaves: list[bytes] = []
    signatures: list[str | None] = []
    signed_from = None  # position of the first signed event; unsigned ones may only come before
    sha256 = hashlib.sha256
    for position, event in enumerate(_as_leaves(events), start=1):
        seq, data, stated, signature = event[:4]
        if seq != position:
            return report.fail(f"event at position {position} says it is #{seq}: "
                               f"events are missing or out of order")
        # A reader that hashed the leaf already passes it on (commonpot.audit.rows).
        leaf = event[4] if len(event) > 4 else sha256(b"\x00" + data).digest()
        if stated is not None and stated != leaf.hex():
            return report.fail(f"event #{position}: its contents do not match its leaf hash")
        if signature:
            if signed_from is None:
                signed_from = position
        elif signed_from is not None:
            return report.fail(f"event #{position} has no signature: the app did not write it")
        leaves.append(leaf)
        signatures.append(signature)
    size = len(leaves)
    report.checked = size

    levels = merkle.tree_levels(leaves)
    for checkpoint in checkpoints:
        if checkpoint.size > size:
            return report.fail(f"the log has {size} events but a signed checkpoint covers "
                               f"{checkpoint.size}: events were removed from the end")
        if merkle.root_from_levels(levels, checkpoint.size) != checkpoint.root:
            bad = _first_bad_signature(verifier, leaves, signatures, 0, checkpoint.size)
            where = f"event #{bad}: its signature does not match its contents" if bad else (
                "events were changed")
            return report.fail(f"the checkpoint of size {checkpoint.size} does not match the log "
                               f"({where})")
    covered = checkpoints[-1].size if checkpoints else 0
    start = 0 if all_signatures else covered
    bad = _first_bad_signature(verifier, leaves, signatures, start, size)
    if bad:
        if signatures[bad - 1]:
            return report.fail(f"event #{bad}: its signature does not match its contents "
                               f"(written outside the app, or changed)")
        return report.fail(f"event #{bad} has no signature and no checkpoint covers it")
    for checkpoint in trusted:
        if checkpoint.size > size:
            return report.fail(f"the log has {size} events but a checkpoint you hold covers "
                               f"{checkpoint.size}: the log was rolled back")
        if merkle.root_from_levels(levels, checkpoint.size) != checkpoint.root:
            return report.fail(f"the log does not extend the checkpoint you hold (size "
                               f"{checkpoint.size}): it was forked or rewritten")
    report.size = size
    report.root = merkle.root_from_levels(levels, size) if size else merkle.EMPTY_ROOT
    if signed_from and signed_from > 1:
        report.notes.append(f"events 1 to {signed_from - 1} predate event signatures; "
                            f"a signed checkpoint covers them")
    return report


class RawEvent(tuple):
    """(seq, leaf bytes, stated leaf hash, signature[, leaf hash]) read straight from an export
    line or a database row, so a million events are hashed without re-encoding each one's
    JSON. The fifth member, if there, is SHA-256(0x00 || leaf bytes) computed by the reader."""

    __slots__ = ()


def _as_leaves(events: Iterable):
    for event in events:
        if isinstance(event, RawEvent):
            yield event
        else:
            yield (event.get("seq"), event_bytes(event), event.get("leaf_hash"), event.get("signature"))


def export_line(event: dict) -> str:
    """One event as an export line: canonical JSON whose first member is the leaf's own
    canonical JSON, so a reader can hash that slice of the line as it stands."""
    return canonical_json({"event": {name: event[name] for name in LEAF_FIELDS},
                           "leaf_hash": event.get("leaf_hash"), "signature": event.get("signature"),
                           "type": "event"})


_EVENT_PREFIX = '{"event":'
_LEAF_HASH_MARK = ',"leaf_hash":'
_SEQ_MARK = ',"seq":'


def parse_export_line(line: str | bytes) -> RawEvent:
    """The inverse of export_line, without decoding the event: its leaf bytes are the slice
    between the prefix and the leaf hash (sorted keys put the leaf first). The last ',"seq":'
    in that slice is the event's own (payload comes before seq in sorted order, and the
    fields after seq are strings, in which a quote is always escaped). Takes the line as
    text or as the UTF-8 bytes read from the file (faster: nothing is decoded)."""
    if isinstance(line, str):
        line = line.encode("utf-8")
    end = line.rfind(_LEAF_HASH_MARK_B)
    if not line.startswith(_EVENT_PREFIX_B) or end < 0:
        raise ValueError("not an event line of a Commonpot export")
    leaf_json = line[len(_EVENT_PREFIX_B):end]
    at = leaf_json.rfind(_SEQ_MARK_B) + len(_SEQ_MARK_B)
    seq_end = leaf_json.find(b",", at)
    # The rest is hex, base64 or null: no quotes or escapes inside, so plain splitting is exact.
    stated, _, rest = line[end + len(_LEAF_HASH_MARK_B):].partition(b',"signature":')
    signature = rest.partition(b',"type":')[0]
    return RawEvent((int(leaf_json[at:seq_end]), leaf_json,
                     None if stated == b"null" else stated.strip(b'"').decode("ascii"),
                     None if signature == b"null" else signature.strip(b'"').decode("ascii")))


_EVENT_PREFIX_B = _EVENT_PREFIX.encode()
_LEAF_HASH_MARK_B = _LEAF_HASH_MARK.encode()
_SEQ_MARK_B = _SEQ_MARK.encode()


def _first_bad_signature(verifier: Verifier, leaves: list[bytes], signatures: list, start: int,
                         end: int) -> int | None:
    for index in range(start, end):
        if not event_signature_ok(verifier, leaves[index], signatures[index]):
            return index + 1
    return None


def subtree_from_levels(levels: list[list[bytes]], start: int, end: int) -> bytes:
    """MTH of leaves [start, end) where start is aligned to the subtree's largest part (true of
    every range an RFC 6962 proof asks for)."""
    nodes = []
    position = start
    for height in range((end - start).bit_length() - 1, -1, -1):
        if (end - start) >> height & 1:
            nodes.append(levels[height][position >> height])
            position += 1 << height
    return merkle.compact_root(nodes)
