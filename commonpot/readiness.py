"""What /readyz checks: database, Redis, and the schema at the migrations' head."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@cache
def expected_heads() -> frozenset[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def check(app, session: Session) -> dict:
    report: dict = {"status": "ok"}
    try:
        applied = frozenset(session.scalars(text("SELECT version_num FROM alembic_version")))
        report["database"] = "ok"
        report["migrations"] = "at head" if applied == expected_heads() else "behind"
        if applied != expected_heads():
            report["status"] = "error"
    except Exception as exc:  # noqa: BLE001 - any failure is "not ready", named for the operator
        session.rollback()
        report.update(status="error", database=type(exc).__name__)
    from commonpot.jobs import queue_status

    queue = queue_status(app)
    report["jobs"] = queue.get("backend")
    if not queue["ok"]:
        report.update(status="error", redis=queue.get("error"))
    elif queue.get("backend") == "redis":
        report["redis"] = "ok"
    return report
