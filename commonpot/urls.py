"""Absolute links for emails and payment providers, built from PUBLIC_BASE_URL.

A link that leaves the site (an email, a Stripe return address) must never take its host
from the request: anyone can send `Host: evil.example.net` and have a password-reset link
point at their own server. `external_url()` builds every such link from configuration.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` on the configured public site."""
    if endpoint.startswith(".") and has_request_context() and request.blueprint:
        endpoint = request.blueprint + endpoint
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
