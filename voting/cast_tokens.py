"""One-time cast tokens: a retry after a lost connection gets the same receipt back.

The ballot page carries a fresh random token in a hidden field. When the ballot is cast,
the same transaction stores a hash of the token and the receipt sealed with a key derived
from the token itself. If the connection drops after the commit, the voter's browser
retries the same form: the token finds the sealed receipt and the voter sees their receipt
again, never a bare "you have already voted". If the first attempt did not commit, nothing
was stored (the roll entry, the ballot and the token go together or not at all), so the
retry casts the ballot normally.

Secrecy: the table holds no voter, no time and no readable receipt. Only someone holding
the token (the voter's own browser) can unseal the receipt, and the database alone cannot
link a token to a voter or a ballot.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from commonpot.extensions import db

TOKEN_BYTES = 32


class CastToken(db.Model):
    __tablename__ = "voting_cast_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("voting_round.id"))
    sealed_receipt: Mapped[str] = mapped_column(String(128))


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _hash(token: str) -> str:
    return hashlib.sha256(b"commonpot cast token\0" + token.encode("utf-8")).hexdigest()


def _pad(token: str, length: int) -> bytes:
    # A one-time pad from the token: each token seals exactly one receipt.
    stream = b""
    counter = 0
    while len(stream) < length:
        stream += hmac.new(token.encode("utf-8"), b"receipt %d" % counter, hashlib.sha256).digest()
        counter += 1
    return stream[:length]


def _seal(token: str, receipt: str) -> str:
    raw = receipt.encode("utf-8")
    return bytes(a ^ b for a, b in zip(raw, _pad(token, len(raw)), strict=True)).hex()


def _unseal(token: str, sealed: str) -> str:
    raw = bytes.fromhex(sealed)
    return bytes(a ^ b for a, b in zip(raw, _pad(token, len(raw)), strict=True)).decode("utf-8")


def usable(token: str | None) -> bool:
    return bool(token) and 20 <= len(token) <= 100


def remember(session: Session, round_id: int, token: str | None, receipt: str) -> None:
    """In the cast's own transaction: this token's ballot got this receipt."""
    if not usable(token):
        return
    session.add(CastToken(token_hash=_hash(token), round_id=round_id,
                          sealed_receipt=_seal(token, receipt)))
    session.flush()


def receipt_for(session: Session, round_id: int, token: str | None) -> str | None:
    """The receipt of a ballot already cast with this token, or None if it was not."""
    if not usable(token):
        return None
    sealed = session.scalar(select(CastToken.sealed_receipt).where(
        CastToken.token_hash == _hash(token), CastToken.round_id == round_id))
    return _unseal(token, sealed) if sealed else None
