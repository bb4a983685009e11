"""A witness: remember the last checkpoint a site showed, and fail loudly if the site later
shows one that does not extend it (a fork) or is smaller (a rollback)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

from commonpot_verify import merkle
from commonpot_verify.note import Verifier, open_checkpoint, parse_verifier
from commonpot_verify.sources import Site


class WitnessAlarm(Exception):
    """The site showed a checkpoint inconsistent with one seen before."""


@dataclass(frozen=True)
class WitnessResult:
    size: int
    previous_size: int | None
    message: str


def witness(site: Site, state_path: str | Path, key: str | None = None) -> WitnessResult:
    """Fetch the latest checkpoint, check it against the stored one, store it if it extends."""
    state_path = Path(state_path)
    state = json.loads(state_path.read_text()) if state_path.exists() else None
    if state:
        verifier = parse_verifier(state["verifier_key"])
        if key and str(parse_verifier(key)) != str(verifier):
            raise WitnessAlarm("the key given is not the key this witness pinned earlier")
    else:
        verifier = parse_verifier(key or site.key()["verifier_key"])
    note = site.latest_checkpoint_note()
    checkpoint = open_checkpoint(note, verifier, state["origin"] if state else None)
    previous_size = None
    if state:
        previous_size = state["size"]
        previous_root = base64.b64decode(state["root"])
        if checkpoint.size < previous_size:
            raise WitnessAlarm(f"ROLLBACK: the site's checkpoint covers {checkpoint.size} events, "
                               f"but it showed {previous_size} before: events were removed")
        try:
            proof = [] if checkpoint.size == previous_size else site.consistency(
                previous_size, checkpoint.size)
            if previous_size:
                merkle.verify_consistency(previous_size, checkpoint.size, proof, previous_root,
                                          checkpoint.root)
        except merkle.ProofError as exc:
            raise WitnessAlarm(f"FORK: the site's tree of {checkpoint.size} does not extend the "
                               f"tree of {previous_size} it showed before ({exc})") from exc
    _save(state_path, verifier, checkpoint.origin, checkpoint.size, checkpoint.root, note)
    grown = "" if previous_size is None else f" (was {previous_size})"
    return WitnessResult(checkpoint.size, previous_size,
                         f"checkpoint of {checkpoint.size} events is consistent{grown}")


def _save(path: Path, verifier: Verifier, origin: str, size: int, root: bytes, note: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps({
        "verifier_key": str(verifier), "origin": origin, "size": size,
        "root": base64.b64encode(root).decode(), "note": note,
    }, indent=1))
    temporary.replace(path)
