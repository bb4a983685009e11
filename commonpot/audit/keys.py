"""The app's audit signing key: from AUDIT_SIGNING_KEY or a key file, never the database.

Production refuses to start without one. Development and tests make a key file on first use
(instance/audit_signing.key unless AUDIT_SIGNING_KEY_FILE says where).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app

from commonpot.config import ConfigError
from commonpot_verify.note import Signer, Verifier, generate_signer, parse_signer

EXTENSION = "commonpot.audit"


@dataclass(frozen=True)
class AuditKeys:
    signer: Signer
    origin: str
    pseudonym_key: bytes

    @property
    def verifier(self) -> Verifier:
        return self.signer.verifier


def default_origin(config: dict) -> str:
    host = urlsplit(config.get("PUBLIC_BASE_URL") or "").netloc or "commonpot.invalid"
    return f"{host}/audit"


def key_name(origin: str) -> str:
    return origin.replace("+", "-").replace(" ", "-")


def _load_signer(app: Flask, origin: str) -> Signer:
    text = app.config.get("AUDIT_SIGNING_KEY")
    if text:
        return parse_signer(text)
    path = app.config.get("AUDIT_SIGNING_KEY_FILE")
    if app.config.get("PRODUCTION") and not path:
        raise ConfigError("AUDIT_SIGNING_KEY (or AUDIT_SIGNING_KEY_FILE) is missing. Make a key "
                          "with `commonpot audit keygen` and keep it out of the database.")
    path = Path(path or Path(app.instance_path) / "audit_signing.key")
    if not path.exists():
        if app.config.get("PRODUCTION"):
            raise ConfigError(f"The audit signing key file {path} does not exist.")
        write_key_file(path, generate_signer(key_name(origin)))
    return parse_signer(path.read_text(encoding="utf-8"))


def write_key_file(path: Path, signer: Signer) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first: use theirs
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(str(signer) + "\n")


def init_app(app: Flask) -> None:
    origin = app.config.get("AUDIT_LOG_ORIGIN") or default_origin(app.config)
    signer = _load_signer(app, origin)
    secret = app.config.get("AUDIT_PSEUDONYM_KEY") or app.config["SECRET_KEY"]
    pseudonym_key = hmac.new(str(secret).encode(), b"commonpot audit pseudonyms", hashlib.sha256).digest()
    app.extensions[EXTENSION] = AuditKeys(signer, origin, pseudonym_key)


def keys() -> AuditKeys:
    return current_app.extensions[EXTENSION]
