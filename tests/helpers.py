"""Helpers for tests that act like a person in a browser: forms with CSRF, signing in, CLI."""

from __future__ import annotations

import re

PASSWORD = "correct-horse-battery"

_META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client) -> str:
    page = client.get("/accessibility")
    match = _META_TOKEN.search(page.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(client, url: str, data: dict | None = None, **kwargs):
    """POST like a browser submitting one of our forms (with its CSRF token)."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=payload, **kwargs)


def sign_in(client, email: str, password: str = PASSWORD):
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, f"sign-in failed for {email}: {response.status_code}"
    return response


def run_cli(app, *args):
    """Run a `commonpot` command in-process against this app; returns the Click result."""
    runner = app.test_cli_runner()
    return runner.invoke(args=list(args))
