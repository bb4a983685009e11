"""The reports clock. `REPORTS_CLOCK` in the app config (a callable returning an aware UTC
datetime) replaces the real clock, so a test can move time and run the reminders again."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from commonpot.db import utcnow


def now() -> datetime:
    clock = current_app.config.get("REPORTS_CLOCK") if current_app else None
    return clock() if clock else utcnow()
