"""Signed, expiring tokens for email links (verification, password reset, email change)."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from commonpot.i18n import _


class TokenError(ValueError):
    """A link is broken, tampered with, or too old."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"commonpot.{purpose}")


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict:
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError(_("This link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise TokenError(_("This link is not valid. Check you copied all of it.")) from exc
