"""The stored files of a closed round: made once, served as they are.

A closed round's ballots never change, so neither do its bulletin board, its downloads or
its results. They are written when voting closes (the board) and when the count ends (the
results), each with its SHA-256, and pages and downloads read them back instead of reading
and parsing every ballot on every request.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from voting.models import RoundArtefact

CSV = "text/csv; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
JSON = "application/json"


def store(session: Session, round_id: int, name: str, body: str, content_type: str) -> RoundArtefact:
    """Keep `body` as the round's file `name`, replacing one of that name (a count run again)."""
    session.execute(delete(RoundArtefact).where(RoundArtefact.round_id == round_id,
                                                RoundArtefact.name == name))
    artefact = RoundArtefact(round_id=round_id, name=name, body=body, content_type=content_type,
                             sha256=hashlib.sha256(body.encode("utf-8")).hexdigest())
    session.add(artefact)
    return artefact


def store_many(session: Session, round_id: int, files: dict[str, tuple[str, str]]) -> None:
    """Several files at once: {name: (body, content type)}."""
    session.execute(delete(RoundArtefact).where(RoundArtefact.round_id == round_id,
                                                RoundArtefact.name.in_(list(files))))
    session.add_all(RoundArtefact(round_id=round_id, name=name, body=body, content_type=kind,
                                  sha256=hashlib.sha256(body.encode("utf-8")).hexdigest())
                    for name, (body, kind) in files.items())
    session.flush()


def load(session: Session, round_id: int, name: str) -> RoundArtefact | None:
    return session.scalar(select(RoundArtefact).where(RoundArtefact.round_id == round_id,
                                                      RoundArtefact.name == name))


def load_many(session: Session, round_id: int, names: list[str]) -> dict[str, RoundArtefact]:
    return {a.name: a for a in session.scalars(select(RoundArtefact).where(
        RoundArtefact.round_id == round_id, RoundArtefact.name.in_(names)))}


def exists(session: Session, round_id: int, name: str) -> bool:
    return session.scalar(select(RoundArtefact.id).where(RoundArtefact.round_id == round_id,
                                                         RoundArtefact.name == name)) is not None
