"""Ed25519 keys and checkpoints in the C2SP signed-note format.

A checkpoint (c2sp.org/tlog-checkpoint) is the note body
    <origin>\\n<tree size>\\n<base64 root hash>\\n
followed by a blank line and one signature line per signer,
    \u2014 <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>\\n
The key id is the first four bytes of SHA-256(key name || 0x0A || 0x01 || public key), as in
c2sp.org/signed-note. Keys are written the way Go's golang.org/x/mod/sumdb/note writes them:
    verifier:  <name>+<key id hex>+<base64(0x01 || 32-byte public key)>
    signer:    PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || 32-byte seed)>
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = b"\x01"
SIGNATURE_DASH = "\u2014"


class NoteError(ValueError):
    """A key, note or signature is malformed or does not verify."""


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_key).digest()[:4]


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError("a key name is non-empty and has no spaces or '+'")


@dataclass(frozen=True)
class Verifier:
    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    def __str__(self) -> str:
        encoded = base64.b64encode(ED25519 + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self._key().verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    def _key(self) -> Ed25519PublicKey:
        # Made once: checking a million signatures should not parse the key a million times.
        key = self.__dict__.get("_public_key")
        if key is None:
            key = Ed25519PublicKey.from_public_bytes(self.public_key)
            object.__setattr__(self, "_public_key", key)
        return key


@dataclass(frozen=True)
class Signer:
    name: str
    seed: bytes

    def __post_init__(self):
        object.__setattr__(self, "_key", Ed25519PrivateKey.from_private_bytes(self.seed))

    @property
    def verifier(self) -> Verifier:
        raw = self._key.public_key().public_bytes_raw()
        return Verifier(self.name, raw)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def __str__(self) -> str:
        encoded = base64.b64encode(ED25519 + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{encoded}"


def generate_signer(name: str) -> Signer:
    _check_name(name)
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    return Signer(name, seed)


def _split_key(text: str, parts_expected: int) -> list[str]:
    # Base64 may itself hold '+': only the separators before it count (as Go's note does).
    parts = text.strip().split("+", parts_expected - 1)
    if len(parts) != parts_expected:
        raise NoteError("that is not a key in name+id+key form")
    return parts


def _decode_key(name: str, id_hex: str, encoded: str) -> tuple[bytes, bytes]:
    try:
        raw = base64.b64decode(encoded, validate=True)
        wanted_id = bytes.fromhex(id_hex)
    except (binascii.Error, ValueError) as exc:
        raise NoteError("the key is not valid base64/hex") from exc
    if len(raw) != 33 or raw[:1] != ED25519:
        raise NoteError("only Ed25519 keys (type 0x01, 32 bytes) are supported")
    return raw[1:], wanted_id


def parse_verifier(text: str) -> Verifier:
    name, id_hex, encoded = _split_key(text, 3)
    _check_name(name)
    public_key, wanted_id = _decode_key(name, id_hex, encoded)
    verifier = Verifier(name, public_key)
    if verifier.key_id != wanted_id:
        raise NoteError("the key id does not match the key")
    return verifier


def parse_signer(text: str) -> Signer:
    parts = _split_key(text, 5)
    if parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("a signing key starts PRIVATE+KEY+")
    name, id_hex, encoded = parts[2:]
    _check_name(name)
    seed, wanted_id = _decode_key(name, id_hex, encoded)
    signer = Signer(name, seed)
    if signer.verifier.key_id != wanted_id:
        raise NoteError("the key id does not match the key")
    return signer


# Signed notes ---------------------------------------------------------------------------------

def sign_note(body: str, signer: Signer) -> str:
    if not body.endswith("\n"):
        raise NoteError("a note body ends with a newline")
    signature = signer.sign(body.encode())
    encoded = base64.b64encode(signer.verifier.key_id + signature).decode()
    return f"{body}\n{SIGNATURE_DASH} {signer.name} {encoded}\n"


def open_note(note: str, verifier: Verifier) -> str:
    """Return the body if `verifier` signed the note; raise NoteError otherwise."""
    body, sep, signatures = note.rpartition("\n\n")
    if not sep:
        raise NoteError("the note has no signature block")
    body += "\n"
    if not signatures.endswith("\n"):
        raise NoteError("the signature block does not end with a newline")
    for line in signatures[:-1].split("\n"):
        prefix = f"{SIGNATURE_DASH} "
        if not line.startswith(prefix):
            raise NoteError("a signature line does not start with an em dash")
        name, _, encoded = line[len(prefix):].partition(" ")
        if name != verifier.name:
            continue
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise NoteError("a signature is not valid base64") from exc
        if raw[:4] != verifier.key_id:
            continue
        if verifier.verify(body.encode(), raw[4:]):
            return body
        raise NoteError(f"the signature by {name} does not verify")
    raise NoteError(f"the note carries no signature by {verifier}")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def parse_checkpoint_body(body: str) -> Checkpoint:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint has an origin, a size and a root, one a line")
    origin, size_text, root_text = lines[:3]
    if not size_text.isdigit() or (size_text.startswith("0") and size_text != "0"):
        raise NoteError("the checkpoint's tree size is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as exc:
        raise NoteError("the checkpoint's root is not base64") from exc
    if len(root) != 32:
        raise NoteError("the checkpoint's root is not a SHA-256 hash")
    return Checkpoint(origin, int(size_text), root)


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    return sign_note(checkpoint.body(), signer)


def open_checkpoint(note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    checkpoint = parse_checkpoint_body(open_note(note, verifier))
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"the checkpoint names origin {checkpoint.origin!r}, not {origin!r}")
    return checkpoint
